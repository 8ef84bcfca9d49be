// Micro-benchmarks of Conveyor's hot paths, with allocations (MemoryDiagnoser).
//   dotnet run -c Release --project bench/Conveyor.Benchmarks -- --filter '*'
//   dotnet run -c Release --project bench/Conveyor.Benchmarks -- --filter '*Claim*' --job short
// The PostgreSQL claim designs study (not BenchmarkDotNet: whole runs of 20,000 jobs, see ClaimDesignStudy):
//   dotnet run -c Release --project bench/Conveyor.Benchmarks -- claim-designs "$CONVEYOR_TEST_POSTGRES"
using BenchmarkDotNet.Running;
using Conveyor.Benchmarks.ClaimDesigns;

if (args is ["claim-designs", .. var rest]) return await ClaimDesignStudy.RunAsync(rest);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
