using System.Globalization;
using Conveyor.Cli.Parsing;
using Conveyor.Storage;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Conveyor.Cli.Output;

/// <summary>The tables and detail views that commands print when <c>--json</c> is not given.</summary>
internal static class HumanOutput
{
    public static void JobPage(CliConsole console, JobPage page)
    {
        if (page.Jobs.Count == 0)
        {
            console.Out.WriteLine("no jobs");
            return;
        }
        var table = NewTable("ID", "KIND", "QUEUE", "STATE", "ATTEMPT", "CREATED", "INFO");
        foreach (var job in page.Jobs)
        {
            table.AddRow(
                Cell(job.Id.ToString(CultureInfo.InvariantCulture)), Cell(job.Kind), Cell(job.Queue), JobStyles.State(job.State),
                Cell($"{job.Attempt}/{job.MaxAttempts}"), Cell(Times.Format(job.CreatedAt)), Cell(JobStyles.Summary(job)));
        }
        console.Ansi.Write(table);
        if (page.NextCursor is { } next)
            console.Out.WriteLine($"more jobs follow: add --cursor {next.ToString(CultureInfo.InvariantCulture)}");
    }

    public static void Job(CliConsole console, JobInfo job)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, IRenderable value) => grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), value);
        void TextRow(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) Row(name, Cell(value));
        }

        TextRow("id", job.Id.ToString(CultureInfo.InvariantCulture));
        TextRow("kind", job.Kind);
        TextRow("queue", job.Queue);
        Row("state", JobStyles.State(job.State));
        TextRow("args", job.ArgsJson);
        TextRow("priority", job.Priority.ToString(CultureInfo.InvariantCulture));
        TextRow("attempt", $"{job.Attempt} of {job.MaxAttempts}");
        TextRow("run at", Times.Format(job.RunAt));
        TextRow("created", Times.Format(job.CreatedAt));
        TextRow("started", Times.Format(job.StartedAt));
        TextRow("finished", Times.Format(job.FinishedAt));
        if (job.Timeout is { } timeout) TextRow("timeout", Durations.Format(timeout));
        TextRow("ordering key", job.OrderingKey);
        TextRow("unique key", job.UniqueKey);
        TextRow("affinity key", job.AffinityKey);
        TextRow("after", job.AfterJobId?.ToString(CultureInfo.InvariantCulture));
        TextRow("batch", job.BatchId?.ToString(CultureInfo.InvariantCulture));
        TextRow("node", job.Node);
        TextRow("lease until", Times.Format(job.LeaseExpiresAt));
        if (job.Progress is { } progress)
            TextRow("progress", $"{(progress.Percent is { } p ? $"{p}% " : "")}{progress.Message}".Trim());
        TextRow("result", job.ResultJson);
        console.Ansi.Write(grid);
        if (job.Errors.Count == 0) return;
        console.Out.WriteLine();
        var errors = NewTable("ATTEMPT", "AT", "TYPE", "MESSAGE");
        foreach (var error in job.Errors)
        {
            errors.AddRow(Cell(error.Attempt.ToString(CultureInfo.InvariantCulture)), Cell(Times.Format(error.At)),
                Cell(error.Type), Cell(error.Message.ReplaceLineEndings(" ")));
        }
        console.Ansi.Write(errors);
    }

    public static void Queues(CliConsole console, IReadOnlyList<QueueStatus> queues)
    {
        if (queues.Count == 0)
        {
            console.Out.WriteLine("no queues");
            return;
        }
        var table = NewTable(["QUEUE", "PAUSED", .. JobStates.All.Select(s => s.ToWireName().ToUpperInvariant()), "NODES", "BUSY/SLOTS"]);
        foreach (var (queue, slots, busy, nodes) in queues)
        {
            IRenderable[] cells =
            [
                Cell(queue.Name), queue.Paused ? new Text("paused", new Style(Color.Yellow)) : Cell("no"),
                .. JobStates.All.Select(s => Cell((queue.Counts.TryGetValue(s, out var n) ? n : 0).ToString(CultureInfo.InvariantCulture))),
                Cell(nodes.ToString(CultureInfo.InvariantCulture)),
                Cell(string.Create(CultureInfo.InvariantCulture, $"{busy}/{slots}")),
            ];
            table.AddRow(cells);
        }
        foreach (var column in table.Columns.Skip(2)) column.RightAligned();
        console.Ansi.Write(table);
    }

    public static void Nodes(CliConsole console, IReadOnlyList<NodeStatus> nodes)
    {
        if (nodes.Count == 0)
        {
            console.Out.WriteLine("no live nodes");
            return;
        }
        var table = NewTable("NAME", "HOST", "PID", "STARTED", "HEARTBEAT", "BUSY/SLOTS", "LEADER");
        foreach (var (node, leader) in nodes)
        {
            var busy = node.Queues.Values.Sum(q => q.Busy);
            var slots = node.Queues.Values.Sum(q => q.Slots);
            table.AddRow(Cell(node.Name), Cell(node.Host), Cell(node.Pid.ToString(CultureInfo.InvariantCulture)),
                Cell(Times.Format(node.StartedAt)), Cell(Times.Format(node.HeartbeatAt)),
                Cell($"{busy}/{slots}"), leader ? new Text("* leader", new Style(Color.Green)) : Cell(""));
        }
        console.Ansi.Write(table);
    }

    private static Table NewTable(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers) table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        return table;
    }

    /// <summary>Plain text: never parsed as Spectre markup, so brackets in job data are shown as they are.</summary>
    private static Text Cell(string text) => new(text);
}
