using Conveyor.Cli.Output;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Conveyor.Cli.Commands;

/// <summary>What <c>worker</c> and <c>serve</c> set up alike in the host that runs their node: its log lines and its shutdown.</summary>
internal static class NodeHosting
{
    /// <summary>Added to the node's own shutdown time before the host gives up on it (flushing completions, leaving the registry).</summary>
    private static readonly TimeSpan HostShutdownMargin = TimeSpan.FromSeconds(30);

    public static void Configure(IHostApplicationBuilder builder, CliConsole console, WorkerOptions worker)
    {
        builder.Logging.AddConsole(o => o.FormatterName = CliLogFormatter.FormatterName)
            .AddConsoleFormatter<CliLogFormatter, CliLogFormatterOptions>(o =>
            {
                o.Width = console.IsInteractive ? console.Width : 0;
                o.Color = console.IsInteractive;
            });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // The host logs a failed start with its stack trace; the CLI reports it in one line instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownTimeout + worker.CancelGrace + HostShutdownMargin);
    }
}
