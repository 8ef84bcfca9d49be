// Micro-benchmarks of Conveyor's hot paths, with allocations (MemoryDiagnoser).
//   dotnet run -c Release --project bench/Conveyor.Benchmarks -- --filter '*'
//   dotnet run -c Release --project bench/Conveyor.Benchmarks -- --filter '*Claim*' --job short
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
