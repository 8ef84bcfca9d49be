using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Storage;

namespace Conveyor.Handlers;

/// <summary>How to run jobs of one kind: build the context (deserialising args) and invoke the handler.</summary>
internal abstract class JobHandlerDescriptor(string kind)
{
    public string Kind { get; } = kind;

    public abstract JobContext CreateContext(ClaimedJob job, IServiceProvider scope, IJobProgressSink progress);

    public abstract Task InvokeAsync(JobContext context, CancellationToken cancellationToken);

    /// <summary>Args that cannot be read will never work: fail the job permanently with a clear message.</summary>
    protected static TArgs DeserializeArgs<TArgs>(ClaimedJob job)
    {
        try
        {
            return JsonSerializer.Deserialize<TArgs>(job.ArgsJson, ConveyorJson.Options)
                ?? throw new JobArgumentsException(job.Kind, typeof(TArgs), "args are null");
        }
        catch (JsonException e)
        {
            throw new JobArgumentsException(job.Kind, typeof(TArgs), e.Message, e);
        }
    }
}
