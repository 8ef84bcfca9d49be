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

    /// <summary>The live view's content for <paramref name="snapshot"/>.</summary>
    public IRenderable Render(DemoSnapshot snapshot)
    {
        var header = new Markup(
            $"[bold]Conveyor demo[/]  {Markup.Escape(title)}  " +
            $"[grey]{Seconds(snapshot.Elapsed)} of {Seconds(duration)}[/]  " +
            (snapshot.Stopping ? "[yellow]stopping: letting running jobs finish…[/]" : "[grey]Ctrl+C stops early[/]"));

        var counts = new Table().Border(TableBorder.Rounded).Title("jobs per state").AddColumn("state").AddColumn(new TableColumn("jobs").RightAligned());
        foreach (var state in JobStates.All)
        {
            var n = snapshot.Counts.TryGetValue(state, out var c) ? c : 0;
            counts.AddRow(JobStyles.State(state), new Text(n.ToString(CultureInfo.InvariantCulture)));
        }

        var running = new Table().Border(TableBorder.Rounded).Title("running now").AddColumn("id").AddColumn("kind").AddColumn("progress");
        foreach (var job in snapshot.Running)
            running.AddRow(new Text(job.Id.ToString(CultureInfo.InvariantCulture)), new Text(job.Kind), Progress(job));
        if (snapshot.Running.Count == 0) running.AddRow(new Text(""), new Text("(idle)", new Style(Color.Grey)), new Text(""));

        var events = new Rows(snapshot.Events.Count == 0
            ? [new Text("waiting for the first job to finish…", new Style(Color.Grey))]
            : snapshot.Events.Select(e => (IRenderable)new Text(e.Text, new Style(e.Failed ? Color.Yellow : Color.Default))));
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

    private static IRenderable Progress(JobInfo job)
    {
        if (job.Progress is not { } progress) return new Text("");
        var percent = progress.Percent ?? 0;
        var filled = percent / 10;
        return new Markup($"[green]{new string('█', filled)}[/][grey]{new string('░', 10 - filled)}[/] {percent,3}% {Markup.Escape(progress.Message ?? "")}");
    }

    private static string Seconds(TimeSpan value) => $"{(int)value.TotalSeconds}s";
}
