using System.Text.RegularExpressions;
using Conveyor.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Conveyor.Web.Tests;

/// <summary>The dashboard's pages for recurring schedules and stopping nodes, in a real headless Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class FlowDashboardTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_recurring_schedule_is_shown_with_its_last_job_and_removed_after_confirmation()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var recurring = server.Services.GetRequiredService<RecurringJobs>();
        await recurring.AddOrUpdateAsync(new RecurringJob("heartbeat.every-second", "* * * * * *", TestKinds.Echo, """{"ping": true}"""));
        await recurring.AddOrUpdateAsync(new RecurringJob("nightly-report", "0 3 * * *", TestKinds.Echo) { TimeZone = "Europe/Paris" });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Dashboard.ToString());
        await page.Locator("nav a[data-section=recurring]").ClickAsync();

        var every = page.Locator("tr[data-schedule='heartbeat.every-second']");
        await Expect(every.Locator("td").First).ToHaveTextAsync("heartbeat.every-second");
        await Expect(every).ToContainTextAsync("* * * * * *");
        var lastJob = every.Locator("td[data-field=last-run] a");
        await Expect(lastJob).ToHaveAttributeAsync("href", LastJobHref());
        var nightly = page.Locator("tr[data-schedule=nightly-report]");
        await Expect(nightly).ToContainTextAsync("Europe/Paris");
        await Expect(nightly.Locator("td[data-field=last-run]")).ToHaveTextAsync("never");
        await Expect(nightly).ToContainTextAsync("api");
        await Screenshots.SaveAsync(page, "recurring");

        await lastJob.ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync(TestKinds.Echo);
        await page.GoBackAsync();

        await every.Locator("button[data-action=remove]").ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync("heartbeat.every-second");
        await page.Locator("#confirm button[value=cancel]").ClickAsync();
        (await recurring.ListAsync()).Count.ShouldBe(2);

        await every.Locator("button[data-action=remove]").ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(every).ToHaveCountAsync(0);
        await Expect(nightly).ToHaveCountAsync(1);
        (await recurring.ListAsync()).Select(s => s.Job.Name).ShouldBe(["nightly-report"]);
    }

    [Fact]
    public async Task A_worker_process_is_stopped_from_the_nodes_page_and_exits_after_draining()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        await using var worker = ChildProcess.Start(ConveyorCli.StartInfo(server.StoreUrl,
            ["worker", "--name", "stop-me", "--concurrency", "3", "--heartbeat-interval", "1s"]));
        await WebServer.WaitUntilAsync(async () => (await server.Monitor.ListNodesAsync()).Any(n => n.Node.Name == "stop-me"), "the worker is live");
        var sleeper = (await server.Jobs.EnqueueAsync(new JobRequest("conveyor.sleep", """{"ms": 4000}"""))).Id;
        await server.WaitForStateAsync(sleeper, JobState.Running);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Dashboard + "#/nodes");
        var row = page.Locator("tr[data-node=stop-me]");
        await Expect(row.Locator("td[data-field=busy]")).ToHaveTextAsync("1 / 3");
        await row.Locator("button[data-action=stop]").ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync("stop-me");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(row.Locator(".badge.stopping")).ToHaveTextAsync("stopping");
        await Expect(row.Locator("button[data-action=stop]")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "nodes-stopping");

        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await worker.Process.WaitForExitAsync(exit.Token);
        worker.Process.ExitCode.ShouldBe(0, worker.Output);
        (await server.Jobs.GetAsync(sleeper))!.State.ShouldBe(JobState.Succeeded);
        await Expect(row).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 60_000 });
    }

    [GeneratedRegex(@"^#/job/\d+$")]
    private static partial Regex LastJobHref();
}
