using System.Globalization;
using Conveyor.Cli.Parsing;
using Spectre.Console.Rendering;

namespace Conveyor.Cli.Output;

internal static partial class HumanOutput
{
    /// <summary>The table of <c>cron list</c>: each schedule with its next and last run.</summary>
    public static void Cron(CliConsole console, IReadOnlyList<RecurringJobInfo> schedules)
    {
        if (schedules.Count == 0)
        {
            console.Out.WriteLine("no cron schedules");
            return;
        }
        ColumnSpec[] columns =
        [
            new("NAME", Flexible: true), new("CRON"), new("TIME ZONE", "TZ", Drop: 2), new("KIND"), new("NEXT RUN", "NEXT"),
            new("LAST RUN", "LAST", Drop: 1), new("LAST JOB", "JOB", Drop: 3, Right: true), new("SOURCE", Drop: 4),
        ];
        var rows = schedules.Select(s => new IRenderable[]
        {
            Cell(s.Job.Name), Cell(s.Job.Cron), Cell(s.Job.TimeZone ?? "UTC"), Cell(s.Job.Kind),
            Cell(s.NextRun is null ? "never" : Times.Format(s.NextRun)), Cell(s.LastRun is null ? "-" : Times.Format(s.LastRun)),
            Cell(s.LastJobId?.ToString(CultureInfo.InvariantCulture) ?? "-"), Cell(s.Source),
        }).ToList();
        WriteFitted(console, columns, rows);
    }
}
