using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Conveyor.Serialization;
using Conveyor.Validation;

namespace Conveyor.Benchmarks;

/// <summary>The JSON work per job: serialise typed args on enqueue, validate them, read them back in the handler.</summary>
[MemoryDiagnoser]
public class ArgsJsonBenchmarks
{
    private readonly Email _args = new("a@example.com", "Welcome", 3);
    private readonly JobValidator _validator = new(new ConveyorOptions());
    private string _json = "";

    public sealed record Email(string To, string Subject, int Attempt) : IJobArgs
    {
        public static string Kind => "bench.email";
    }

    [GlobalSetup]
    public void Setup() => _json = JsonSerializer.Serialize(_args, ConveyorJson.Options);

    [Benchmark]
    public string Serialize() => JsonSerializer.Serialize(_args, ConveyorJson.Options);

    [Benchmark]
    public void Validate() => _validator.ValidateArgs(_json);

    [Benchmark]
    public Email? Deserialize() => JsonSerializer.Deserialize<Email>(_json, ConveyorJson.Options);
}
