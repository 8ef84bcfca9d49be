using System.Globalization;

namespace Conveyor.Samples.MapReduce;

/// <summary>The sample's command line. Bad input throws <see cref="ArgumentException"/> with the reason.</summary>
internal sealed record SampleOptions
{
    /// <summary>The queue the sample's jobs use.</summary>
    public const string Queue = "mapreduce";

    public const string Usage = """
        usage: MapReduce [--workers N] [--store STORE] [--words N] [--seed N] [--text FILE] [--save-text FILE]
                         [--chunk-lines N] [--concurrency N] [--top N] [--out FILE]
          --workers N       worker processes to start (default 3)
          --store STORE     sqlite:PATH (default sqlite:mapreduce.db) or postgres://user:pass@host:port/db
          --words N         size of the generated text in words (default 1000000)
          --seed N          seed of the generated text (default 42): the same seed gives the same text
          --text FILE       count FILE instead of a generated text
          --save-text FILE  also write the generated text to FILE
          --chunk-lines N   lines per map job (default 2000)
          --concurrency N   jobs at once per worker (default 2)
          --top N           words to print (default 10)
          --out FILE        write every word's count to FILE ("count word" lines, by word)
        """;

    public bool IsWorker { get; init; }
    public string Store { get; init; } = "sqlite:mapreduce.db";
    public string Name { get; init; } = "mapreduce";
    public int Workers { get; init; } = 3;
    public int Words { get; init; } = 1_000_000;
    public int Seed { get; init; } = 42;
    public string? Text { get; init; }
    public string? SaveText { get; init; }
    public int ChunkLines { get; init; } = 2000;
    public int Concurrency { get; init; } = 2;
    public int Top { get; init; } = 10;
    public string? Out { get; init; }

    public static SampleOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SampleOptions();
        var i = 0;
        if (args.Count > 0 && args[0] == "worker")
        {
            options = options with { IsWorker = true };
            i = 1;
        }
        for (; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => ++i < args.Count ? args[i] : throw new ArgumentException($"{name} needs a value");
            int Number(int min, int max)
            {
                var text = Value();
                return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n
                    : throw new ArgumentException($"{name} must be a whole number from {min} to {max} (got {text})");
            }
            options = name switch
            {
                "--workers" => options with { Workers = Number(1, 64) },
                "--store" => options with { Store = Value() },
                "--name" => options with { Name = Value() },
                "--words" => options with { Words = Number(1, 500_000_000) },
                "--seed" => options with { Seed = Number(int.MinValue, int.MaxValue) },
                "--text" => options with { Text = Value() },
                "--save-text" => options with { SaveText = Value() },
                "--chunk-lines" => options with { ChunkLines = Number(1, 1_000_000) },
                "--concurrency" => options with { Concurrency = Number(1, 256) },
                "--top" => options with { Top = Number(0, 10_000) },
                "--out" => options with { Out = Value() },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }
        if (options.Text is not null && options.SaveText is not null) throw new ArgumentException("--save-text is for a generated text, not with --text");
        return options;
    }
}
