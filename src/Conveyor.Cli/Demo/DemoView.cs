using System.Globalization;
using Conveyor.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Conveyor.Cli.Demo;

/// <summary>
/// Draws the demo: in a terminal a live view (counts per state, running jobs with progress, recent events)
/// redrawn in place; for a pipe or file, one line of counts per second followed by the new events.
/// </summary>
internal sealed class DemoView(string title, TimeSpan duration)
{
    private long _lastPrintedEvent;

    /// <summary>The lines the view takes besides the recent events: 2 of header, 12 of tables, 2 of the events' frame, 1 spare.</summary>
    private const int FixedRows = 17;

    /// <summary>
    /// The live view's content for <paramref name="snapshot"/>, no wider than <paramref name="width"/> and no taller
    /// than <paramref name="height"/> (a live view taller than the terminal loses its top, where the title and timer are):
    /// the recent events take the rows that are left, and every line that could be long is cut to the width.
    /// </summary>
    public IRenderable Render(DemoSnapshot snapshot, int width, int height)
    {
        var header = new Rows(
            new Markup($"[bold]Conveyor demo[/]  [grey]{Seconds(snapshot.Elapsed)} of {Seconds(duration)}[/]  " +
                (snapshot.Stopping ? "[yellow]stopping: letting running jobs finish…[/]" : "[grey]Ctrl+C stops early[/]")),
            new Text(Fit(title, width), new Style(Color.Grey)));

        var counts = new Table().Border(TableBorder.Rounded).AddColumn("state").AddColumn(new TableColumn("jobs").RightAligned());
        foreach (var state in JobStates.All)
        {
            var n = snapshot.Counts.TryGetValue(state, out var c) ? c : 0;
            counts.AddRow(JobStyles.State(state), new Text(n.ToString(CultureInfo.InvariantCulture)));
        }

        // Side by side with the counts (20 columns and a gap), the running table's frame (10), ids (6) and progress bars
        // with their percentage (12) leave the rest to kinds and progress messages; wider than that, Columns would stack
        // the two tables and the view would outgrow the screen.
        var rest = Math.Max(12, width - 49);
        var kindWidth = Math.Min(19, rest * 2 / 3);
        var messageWidth = rest - kindWidth;
        var running = new Table().Border(TableBorder.Rounded).Title("running now").AddColumn("id").AddColumn("kind").AddColumn("progress");
        foreach (var job in snapshot.Running)
            running.AddRow(new Text(Fit("#" + job.Id.ToString(CultureInfo.InvariantCulture), 6)), new Text(Fit(job.Kind, kindWidth)), Progress(job, messageWidth));
        if (snapshot.Running.Count == 0) running.AddRow(new Text(""), new Text("(idle)", new Style(Color.Grey)), new Text(""));

        var shown = Math.Max(1, height - FixedRows);
        var lines = snapshot.Events.TakeLast(shown).ToList();
        var events = new Rows(lines.Count == 0
            ? [new Text("waiting for the first job to finish…", new Style(Color.Grey))]
            : lines.Select(e => (IRenderable)new Text(Fit(e.Text, width - 4), new Style(e.Failed ? Color.Yellow : Color.Default))));
        var recent = new Panel(events).Header("recent events").Border(BoxBorder.Rounded).Expand();

        return new Rows(header, new Columns(counts, running) { Expand = false }, recent);
    }

    /// <summary>The plain lines for <paramref name="snapshot"/>: the counts, then the events not printed before.</summary>
    public IEnumerable<string> Lines(DemoSnapshot snapshot)
    {
        yield return $"[{Seconds(snapshot.Elapsed),4}] " + string.Join(" · ", JobStates.All.Select(s =>
            $"{s.ToWireName()} {(snapshot.Counts.TryGetValue(s, out var n) ? n : 0)}"));
        foreach (var e in snapshot.Events.Where(e => e.Sequence > _lastPrintedEvent))
        {
            yield return $"       {e.Text}";
            _lastPrintedEvent = e.Sequence;
        }
    }

    /// <summary>The first line a header prints in plain output: which store, which node, for how long.</summary>
    public string Start() => $"Conveyor demo on {title} for {Seconds(duration)} (Ctrl+C stops early)";

    private static IRenderable Progress(JobInfo job, int messageWidth)
    {
        if (job.Progress is not { } progress) return new Text("");
        var percent = Math.Clamp(progress.Percent ?? 0, 0, 100);
        var filled = (percent + 10) / 20;
        var message = progress.Message is { Length: > 0 } text && messageWidth > 1 ? " " + Markup.Escape(Fit(text, messageWidth - 1)) : "";
        return new Markup($"[green]{new string('█', filled)}[/][grey]{new string('░', 5 - filled)}[/] {percent,3}%{message}");
    }

    /// <summary><paramref name="text"/> cut to <paramref name="width"/> characters, with "…" when cut: one line, whatever the terminal.</summary>
    private static string Fit(string text, int width) =>
        text.Length <= width ? text : width <= 1 ? "…" : string.Concat(text.AsSpan(0, width - 1), "…");

    private static string Seconds(TimeSpan value) => $"{(int)value.TotalSeconds}s";
}
