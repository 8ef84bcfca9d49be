using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Handlers;

/// <summary>How to run jobs of one kind: build the context (deserialising args) and invoke the handler.</summary>
internal abstract class JobHandlerDescriptor(string kind)
{
    public string Kind { get; } = kind;

    /// <summary>
    /// Builds the context of one attempt. <paramref name="root"/> is the application's container (used once to
    /// tell services from args); the attempt's own scope is created from <paramref name="scopes"/> on first use.
    /// </summary>
    public abstract JobContext CreateContext(ClaimedJob job, IServiceScopeFactory scopes, IServiceProvider root, IJobProgressSink progress);

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
