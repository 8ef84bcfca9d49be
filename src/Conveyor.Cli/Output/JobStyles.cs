using Spectre.Console;

namespace Conveyor.Cli.Output;

/// <summary>How states and one-line summaries of jobs look in tables.</summary>
internal static class JobStyles
{
    /// <summary>A colour per state, so a failed job stands out in a list.</summary>
    public static Style For(JobState state) => state switch
    {
        JobState.Succeeded => new Style(Color.Green),
        JobState.Running => new Style(Color.Blue),
        JobState.Retrying => new Style(Color.Yellow),
        JobState.Dead => new Style(Color.Red),
        JobState.Cancelled => new Style(Color.Grey),
        _ => Style.Plain,
    };

    /// <summary>The state's wire name, coloured.</summary>
    public static Text State(JobState state) => new(state.ToWireName(), For(state));

    /// <summary>What is most worth knowing about a job beyond its state: progress, last error, or result.</summary>
    public static string Summary(JobInfo job, int max = 60)
    {
        string text;
        if (job.State == JobState.Running && job.Progress is { } progress)
            text = progress.Percent is { } percent ? $"{percent}% {progress.Message}".Trim() : progress.Message ?? "";
        else if (job.State is JobState.Retrying or JobState.Dead && job.Errors.Count > 0)
            text = job.Errors[^1].Message;
        else if (job.State == JobState.Succeeded && job.ResultJson is { } result)
            text = result;
        else
            text = "";
        text = text.ReplaceLineEndings(" ");
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
    }
}
