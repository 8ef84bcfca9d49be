namespace Conveyor.Cli.Parsing;

/// <summary>The prefetch horizon as written on the command line and in the config file: <c>0</c> for none, or a duration.</summary>
internal static class Prefetch
{
    /// <summary>What a valid value looks like, worded to follow the option's name.</summary>
    public static readonly string Rule = $"must be 0 (claim only for free slots) or a duration of at most {Durations.Format(WorkerOptions.MaxPrefetchHorizon)}, such as 10ms";

    /// <summary>Parses <paramref name="text"/>; false when it is neither 0 nor a duration within the bound.</summary>
    public static bool TryParse(string? text, out TimeSpan horizon)
    {
        horizon = TimeSpan.Zero;
        if (text?.Trim() == "0") return true;
        return Durations.TryParse(text, out horizon) && horizon <= WorkerOptions.MaxPrefetchHorizon;
    }
}
