namespace Conveyor.Cli.Demo;

/// <summary>
/// The sample kinds of <c>conveyor demo</c>: a simulated mail, a report that reports progress page by page,
/// and an inventory sync that fails its first attempt and succeeds when retried.
/// </summary>
internal static class DemoKinds
{
    public const string SendMail = "demo.send_mail";
    public const string BuildReport = "demo.build_report";
    public const string SyncInventory = "demo.sync_inventory";

    /// <summary>The queue the reports run on (two slots), so that slow work does not hold up the mails.</summary>
    public const string ReportsQueue = "reports";

    public static ConveyorBuilder AddDemoKinds(this ConveyorBuilder builder) => builder
        .AddJob(SendMail, async (MailArgs mail, CancellationToken cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(150, 700)), cancellationToken);
            return new { to = mail.To, messageId = $"<{Guid.NewGuid():N}@demo.conveyor>" };
        })
        .AddJob(BuildReport, async (JobContext context, ReportArgs report, CancellationToken cancellationToken) =>
        {
            var pages = Math.Clamp(report.Pages, 1, 50);
            for (var page = 1; page <= pages; page++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
                await context.ReportProgressAsync(page * 100 / pages, $"page {page} of {pages}", cancellationToken);
            }
            return new { pages, url = $"/reports/{context.Id}.pdf" };
        })
        .AddJob(SyncInventory, async (JobContext context, SyncArgs sync, CancellationToken cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            // The first attempt fails so that the demo shows a retry (with the demo's short backoff).
            if (context.Attempt == 1) throw new TimeoutException($"warehouse {sync.Warehouse} did not answer (simulated)");
            return new { warehouse = sync.Warehouse, items = Random.Shared.Next(100, 5000) };
        });

    internal sealed record MailArgs(string To);

    internal sealed record ReportArgs(int Pages);

    internal sealed record SyncArgs(string Warehouse);
}
