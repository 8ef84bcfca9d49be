using System.Globalization;
using Conveyor.Cli.Parsing;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Conveyor.Cli.Output;

/// <summary>A batch for people: its children's counts per state, its deadline and its callback.</summary>
internal static class BatchOutput
{
    public static void Batch(CliConsole console, BatchInfo batch)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, IRenderable value) => grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), value);
        void TextRow(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) Row(name, new Text(value) { Overflow = Overflow.Ellipsis });
        }

        TextRow("batch", batch.Id.ToString(CultureInfo.InvariantCulture));
        TextRow("created", Times.Format(batch.CreatedAt));
        TextRow("children", batch.Complete
            ? string.Create(CultureInfo.InvariantCulture, $"{batch.Total}, all final")
            : string.Create(CultureInfo.InvariantCulture, $"{batch.Total}, {batch.Remaining} unfinished"));
        var counts = JobStates.All.Where(s => batch.Counts.GetValueOrDefault(s) > 0)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.ToWireName()} {batch.Counts[s]}"));
        TextRow("counts", string.Join(" · ", counts) is { Length: > 0 } text ? text : "none left");
        TextRow("deadline", Times.Format(batch.Deadline));
        if (batch.CancelledAt is { } cancelled) TextRow("cancelled", $"{Times.Format(cancelled)} ({batch.CancelReason})");
        var callback = $"job {batch.CallbackJobId.ToString(CultureInfo.InvariantCulture)}";
        if (batch.CallbackKind is null || batch.CallbackState is not { } state)
        {
            TextRow("callback", $"{callback} (deleted)");
        }
        else
        {
            Row("callback", new Columns(new Text($"{callback} {batch.CallbackKind}"), JobStyles.State(state)) { Expand = false });
        }
        console.Write(grid);
    }
}
