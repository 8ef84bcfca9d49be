using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Samples;

/// <summary>The samples' handlers, registered by the worker and by the web app when it runs its own worker.</summary>
public static class SampleJobs
{
    /// <summary>Registers the welcome mail (a class handler from DI) and the report (a delegate that reports progress).</summary>
    public static ConveyorBuilder AddSampleJobs(this ConveyorBuilder conveyor)
    {
        conveyor.Services.AddSingleton<IMailer, ConsoleMailer>();
        return conveyor
            .AddJob<SendWelcomeEmail, SendWelcomeEmailHandler>()
            .AddJob<BuildReport>(async (JobContext ctx, BuildReport report, CancellationToken ct) =>
            {
                for (var page = 1; page <= report.Pages; page++)
                {
                    await Task.Delay(200, ct);
                    await ctx.ReportProgressAsync(page * 100 / report.Pages, $"page {page} of {report.Pages}", ct);
                }
                return new { pages = report.Pages, url = $"/reports/{ctx.Id}.pdf" };
            });
    }
}
