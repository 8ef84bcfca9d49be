using System.CommandLine;
using System.Text.Json;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Serialization;
using Conveyor.Storage;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor batches show|cancel ID</c>: a batch's counts per state and its callback; cancel its unfinished children.</summary>
internal sealed class BatchesCommand(CliContext context)
{
    public Command Build()
    {
        var batches = new Command("batches", "Inspect and cancel batches (children with a callback run when all are final)");
        batches.Add(Show());
        batches.Add(Cancel());
        return batches;
    }

    private Command Show()
    {
        var id = CliOptions.JobId("batch");
        var json = CliOptions.Json();
        var command = new Command("show", "Show a batch: its children's counts per state, its deadline and its callback") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            var batchId = parse.GetValue(id);
            await using var session = context.OpenExisting(parse);
            var batch = await session.Client.GetBatchAsync(batchId, ct) ?? throw new OperationFailedException($"batch {batchId} not found");
            Print(parse.GetValue(json), batch);
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command Cancel()
    {
        var id = CliOptions.JobId("batch");
        var json = CliOptions.Json();
        var command = new Command("cancel", "Cancel a batch's unfinished children; its callback still runs once and sees them cancelled") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            var batchId = parse.GetValue(id);
            await using var session = context.OpenExisting(parse);
            var result = await session.Client.CancelBatchAsync(batchId, ct);
            switch (result.Status)
            {
                case JobChangeStatus.NotFound:
                    throw new OperationFailedException($"batch {batchId} not found");
                case JobChangeStatus.NotAllowed:
                    throw new OperationFailedException(result.Batch!.CancelledAt is null
                        ? $"batch {batchId} is complete: every child is final"
                        : $"batch {batchId} was cancelled already");
            }
            Print(parse.GetValue(json), result.Batch!);
            return ExitCodes.Ok;
        });
        return command;
    }

    private void Print(bool json, BatchInfo batch)
    {
        if (json) JsonOutput.Write(context.Console, w => JsonSerializer.Serialize(w, batch, ConveyorJson.Options));
        else BatchOutput.Batch(context.Console, batch);
    }
}
