using System.Globalization;
using Conveyor.Cli.Parsing;
using Conveyor.Storage;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Conveyor.Cli.Output;

/// <summary>The tables and detail views that commands print when <c>--json</c> is not given.</summary>
internal static partial class HumanOutput
{
    public static void JobPage(CliConsole console, JobPage page)
    {
        if (page.Jobs.Count == 0)
        {
            console.Out.WriteLine("no jobs");
            return;
        }
        ColumnSpec[] columns =
        [
            new("ID"), new("KIND"), new("QUEUE", Drop: 2), new("STATE"), new("ATTEMPT", "TRY", Drop: 1),
            new("CREATED", Drop: 3), new("INFO", Flexible: true),
        ];
        var rows = page.Jobs.Select(job => new IRenderable[]
        {
            Cell(job.Id.ToString(CultureInfo.InvariantCulture)), Cell(job.Kind), Cell(job.Queue), JobStyles.State(job.State),
            Cell($"{job.Attempt}/{job.MaxAttempts}"), Cell(Times.Format(job.CreatedAt)), Cell(JobStyles.Summary(job)),
        }).ToList();
        WriteFitted(console, columns, rows);
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
        if (job.NoHandler) Row("no handler", new Text($"no live node serving queue {job.Queue} handles kind {job.Kind}", new Style(Color.Red)));
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
        // A final job's lease is a left-over of its last attempt, not something that holds it.
        if (!job.State.IsFinal()) TextRow("lease until", Times.Format(job.LeaseExpiresAt));
        if (job.Progress is { } progress)
            TextRow("progress", $"{(progress.Percent is { } p ? $"{p}% " : "")}{progress.Message}".Trim());
        TextRow("result", job.ResultJson);
        console.Write(grid);
        if (job.Errors.Count == 0) return;
        // A list rather than a table: a message has the whole width of its own line, however narrow the terminal.
        console.Out.WriteLine();
        console.Out.WriteLine(Count(job.Errors.Count, "error"));
        foreach (var error in job.Errors)
        {
            console.Out.WriteLine($"  attempt {error.Attempt} at {Times.Format(error.At)}: {error.Type}");
            console.WriteProse(error.Message.ReplaceLineEndings(" "), indent: "    ");
        }
    }

    public static void Queues(CliConsole console, IReadOnlyList<QueueStatus> queues)
    {
        if (queues.Count == 0)
        {
            console.Out.WriteLine("no queues");
            return;
        }
        ColumnSpec[] columns =
        [
            new("QUEUE", Flexible: true), new("PAUSED"),
            .. JobStates.All.Select(s => new ColumnSpec(s.ToWireName().ToUpperInvariant(), ShortState(s), Drop: StateDrop(s), Right: true)),
            new("NODES", Drop: 2, Right: true), new("BUSY/SLOTS", "BUSY", Drop: 1, Right: true),
            new("NO HANDLER", "NOHND", Drop: 2, Right: true), new("LIMITS", Drop: 3),
        ];
        var rows = queues.Select(status => (IRenderable[])
        [
            Cell(status.Queue.Name), status.Queue.Paused ? new Text("paused", new Style(Color.Yellow)) : Cell("no"),
            .. JobStates.All.Select(s => Cell((status.Queue.Counts.TryGetValue(s, out var n) ? n : 0).ToString(CultureInfo.InvariantCulture))),
            Cell(status.Nodes.ToString(CultureInfo.InvariantCulture)),
            Cell(string.Create(CultureInfo.InvariantCulture, $"{status.Busy}/{status.Slots}")),
            status.Queue.NoHandler > 0
                ? new Text(status.Queue.NoHandler.ToString(CultureInfo.InvariantCulture), new Style(Color.Red))
                : Cell("0"),
            Cell(Limits(status.Queue.Limits)),
        ]).ToList();
        WriteFitted(console, columns, rows);
        // Said in words too: a narrow terminal drops the column, and such jobs wait until a node that runs them starts.
        foreach (var status in queues.Where(q => q.Queue.NoHandler > 0))
            console.WriteProse($"queue {status.Queue.Name}: {Count(status.Queue.NoHandler, "available job")} of a kind no live node serving the queue handles");
    }

    /// <summary>"global 4, rate 100/1m, ordered, backlog 10000", or "-" for none.</summary>
    public static string Limits(QueueLimits limits)
    {
        var parts = new List<string>(4);
        if (limits.GlobalLimit is { } global) parts.Add(string.Create(CultureInfo.InvariantCulture, $"global {global}"));
        if (limits.RateLimit is { } rate) parts.Add($"rate {rate}");
        if (limits.Ordered) parts.Add("ordered");
        if (limits.MaxBacklog is { } backlog) parts.Add(string.Create(CultureInfo.InvariantCulture, $"backlog {backlog}"));
        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }

    public static void Nodes(CliConsole console, IReadOnlyList<NodeStatus> nodes)
    {
        if (nodes.Count == 0)
        {
            console.Out.WriteLine("no live nodes");
            return;
        }
        ColumnSpec[] columns =
        [
            new("NAME", Flexible: true), new("HOST", Drop: 2), new("PID", Drop: 1), new("STARTED", Drop: 3), new("HEARTBEAT"),
            new("BUSY/SLOTS", "BUSY"), new("LEADER"),
        ];
        var rows = nodes.Select(status => new IRenderable[]
        {
            Cell(status.Node.Name), Cell(status.Node.Host), Cell(status.Node.Pid.ToString(CultureInfo.InvariantCulture)),
            Cell(Times.Format(status.Node.StartedAt)), Cell(Times.Format(status.Node.HeartbeatAt)),
            Cell($"{status.Node.Queues.Values.Sum(q => q.Busy)}/{(status.Node.Slots > 0 ? status.Node.Slots : status.Node.Queues.Values.Sum(q => q.Slots))}"),
            status.Node.StopRequested ? new Text(status.Leader ? "stopping, leader" : "stopping", new Style(Color.Yellow))
                : status.Leader ? new Text("* leader", new Style(Color.Green)) : Cell(""),
        }).ToList();
        WriteFitted(console, columns, rows);
    }

    /// <summary>"1 job", "2 jobs": a count with its noun in the right number.</summary>
    public static string Count(long count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? noun : noun + "s")}");

    /// <summary>
    /// One column of a table that must fit the terminal: its header, a shorter one for narrow terminals, and when it
    /// goes (0 never; the highest goes first). A flexible column takes what is left and cuts its text with "…".
    /// </summary>
    private sealed record ColumnSpec(string Header, string? Short = null, int Drop = 0, bool Right = false, bool Flexible = false);

    /// <summary>
    /// Writes a table no wider than the console: first as it is, then with short headers, then without the columns
    /// that matter least, one at a time; what is still too wide is cut with "…" in the flexible column, never broken
    /// inside a word.
    /// </summary>
    private static void WriteFitted(CliConsole console, ColumnSpec[] columns, IReadOnlyList<IRenderable[]> rows)
    {
        var kept = Enumerable.Range(0, columns.Length).ToList();
        var shortHeaders = false;
        while (true)
        {
            var natural = Build(columns, rows, kept, shortHeaders);
            if (CliConsole.PlainLines(natural, 10_000).Max(l => l.Length) <= console.Width) break;
            if (!shortHeaders && columns.Any(c => c.Short is not null))
            {
                shortHeaders = true;
                continue;
            }
            var drop = kept.Where(i => columns[i].Drop > 0).OrderByDescending(i => columns[i].Drop).FirstOrDefault(-1);
            if (drop < 0) break;
            kept.Remove(drop);
        }
        console.Write(Build(columns, rows, kept, shortHeaders));
    }

    private static Table Build(ColumnSpec[] columns, IReadOnlyList<IRenderable[]> rows, List<int> kept, bool shortHeaders)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var i in kept)
        {
            var spec = columns[i];
            var column = new TableColumn(new Text(shortHeaders ? spec.Short ?? spec.Header : spec.Header, new Style(decoration: Decoration.Bold)));
            if (!spec.Flexible) column.NoWrap();
            if (spec.Right) column.RightAligned();
            table.AddColumn(column);
        }
        foreach (var row in rows) table.AddRow(kept.Select(i => row[i]));
        return table;
    }

    private static string ShortState(JobState state) => state switch
    {
        JobState.Scheduled => "SCHED",
        JobState.Waiting => "WAIT",
        JobState.Available => "AVAIL",
        JobState.Running => "RUN",
        JobState.Retrying => "RETRY",
        JobState.Succeeded => "DONE",
        JobState.Dead => "DEAD",
        _ => "CANC",
    };

    /// <summary>Which state counts a narrow terminal gives up first: those that say least about a queue's health now.</summary>
    private static int StateDrop(JobState state) => state switch
    {
        JobState.Waiting => 5,
        JobState.Scheduled => 4,
        JobState.Cancelled => 3,
        _ => 0,
    };

    /// <summary>
    /// Plain text: never parsed as Spectre markup, so brackets in job data are shown as they are; a word too long for
    /// its column ends in "…" rather than going on, broken, in the next line.
    /// </summary>
    private static Text Cell(string text) => new(text) { Overflow = Overflow.Ellipsis };
}
