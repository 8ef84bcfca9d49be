// A worker node: runs the jobs the web app enqueues. Ctrl+C (or SIGTERM) drains it gracefully.
using Conveyor;
using Conveyor.Samples;

var builder = Host.CreateApplicationBuilder(args);
var database = builder.Configuration["Conveyor:Sqlite"] ?? "conveyor-samples.db";
builder.Services.AddSingleton<IMailer, ConsoleMailer>();
builder.Services.AddConveyor(o => o.UseSqlite(database))
    .AddJob<SendWelcomeEmail, SendWelcomeEmailHandler>()
    .AddJob<BuildReport>(async (JobContext ctx, BuildReport report, CancellationToken ct) =>
    {
        for (var page = 1; page <= report.Pages; page++)
        {
            await Task.Delay(200, ct);
            await ctx.ReportProgressAsync(page * 100 / report.Pages, $"page {page} of {report.Pages}", ct);
        }
        return new { pages = report.Pages, url = $"/reports/{ctx.Id}.pdf" };
    })
    .AddWorker(w => w.Queue("default", 8).Queue("reports", 2));

builder.Build().Run();
