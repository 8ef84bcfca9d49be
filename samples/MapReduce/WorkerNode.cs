using Microsoft.Extensions.Logging;

namespace Conveyor.Samples.MapReduce;

/// <summary><c>worker --store STORE --name NAME --concurrency N</c>: a node that runs the map and reduce jobs until its input closes.</summary>
internal static class WorkerNode
{
    /// <summary>The line a worker writes once its node runs.</summary>
    public const string ReadyLine = "mapreduce worker ready";

    public static async Task<int> RunAsync(SampleOptions options)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHostedService<ParentWatch>();
        builder.Services.AddConveyor(o => StoreChoice.Apply(o, options.Store))
            .AddJob<CountWords>((CountWords chunk) => Handlers.Map(chunk))
            .AddJob<Reduce>((JobContext<Reduce> context, CancellationToken ct) => Handlers.ReduceAsync(context, Console.Out, ct))
            .AddWorker(w =>
            {
                w.Name = options.Name;
                w.Queue(SampleOptions.Queue, options.Concurrency);
                // Other processes' work is found by polling on SQLite: a short interval keeps the demo brisk.
                w.PollInterval = TimeSpan.FromMilliseconds(200);
            });
        using var host = builder.Build();
        // Tells the coordinator this node is up (its JobServer started), so that the timing it prints is the work's.
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.WriteLine(ReadyLine));
        await host.RunAsync();
        return 0;
    }
}
