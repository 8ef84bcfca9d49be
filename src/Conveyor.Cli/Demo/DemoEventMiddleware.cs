using System.Diagnostics;

namespace Conveyor.Cli.Demo;

/// <summary>Records every attempt's outcome in <see cref="DemoEvents"/> for the live view.</summary>
internal sealed class DemoEventMiddleware(DemoEvents events) : IJobMiddleware
{
    public async Task InvokeAsync(JobContext context, JobDelegate next, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await next(context, cancellationToken);
            events.Succeeded(context.Kind, $"#{context.Id} {context.Kind} succeeded in {clock.ElapsedMilliseconds} ms" +
                (context.Attempt > 1 ? $" (attempt {context.Attempt})" : ""));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var then = context.Attempt < context.MaxAttempts ? "will retry" : "dead";
            events.Failed(context.Kind, $"#{context.Id} {context.Kind} attempt {context.Attempt} failed: {e.Message} ({then})");
            throw;
        }
    }
}
