using System.Text.RegularExpressions;
using Conveyor.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Conveyor.Web.Tests;

/// <summary>The dashboard's pages for recurring schedules, batches, queue limits and stopping nodes, in a real headless Chromium.</summary>
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

    [Fact]
    public async Task A_batch_page_counts_its_children_to_final_links_its_callback_and_cancels_after_confirmation()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var batch = await server.Jobs.EnqueueBatchAsync(
            [.. Enumerable.Range(0, 3).Select(i => new JobRequest(TestKinds.Sleep, """{"ms": 3000}""")),
             new JobRequest(TestKinds.FailWith, """{"message": "no such image"}""")],
            new JobRequest(TestKinds.Echo, """{"report": true}"""));
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Dashboard + "#/job/" + batch.ChildIds[0]);
        await page.Locator("#job-batch").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Batch " + batch.BatchId);
        var counts = page.Locator("#batch-counts");
        await Expect(counts.Locator(".card[data-state=running]")).ToHaveAttributeAsync("data-count", SomeRunning());
        await Expect(counts.Locator(".card[data-state=succeeded]")).ToHaveAttributeAsync("data-count", "3", new LocatorAssertionsToHaveAttributeOptions { Timeout = 30_000 });
        await Expect(counts.Locator(".card[data-state=dead]")).ToHaveAttributeAsync("data-count", "1");
        await Expect(page.Locator("#batch-state")).ToHaveTextAsync("complete");
        await Expect(page.Locator("#batch-callback .badge")).ToHaveTextAsync("succeeded");
        await Expect(page.Locator("button[data-action=cancel-batch]")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "batch");
        await page.Locator("#batch-callback a").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Job #" + batch.CallbackJobId);

        var slow = await server.Jobs.EnqueueBatchAsync(
            [new JobRequest(TestKinds.Sleep, """{"ms": 60000}"""), new JobRequest(TestKinds.Echo, Options: new JobOptions { Queue = "nobody-serves-this" })],
            new JobRequest(TestKinds.Echo));
        await page.GotoAsync(server.Dashboard + "#/batch/" + slow.BatchId);
        await Expect(page.Locator("#batch-state")).ToHaveTextAsync("open");
        await page.Locator("button[data-action=cancel-batch]").ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync("2 unfinished");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#batch-state")).ToHaveTextAsync("cancelled");
        await Expect(counts.Locator(".card[data-state=cancelled]")).ToHaveAttributeAsync("data-count", "2", new LocatorAssertionsToHaveAttributeOptions { Timeout = 30_000 });
        await server.WaitForStateAsync(slow.CallbackJobId, JobState.Succeeded);
    }

    [Fact]
    public async Task The_queues_page_shows_each_queues_limits_and_its_jobs_no_node_can_run()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        await server.Monitor.SetQueueLimitsAsync("default", new QueueLimits(GlobalLimit: 3, RateLimit: RateLimit.Parse("100/1m"), MaxBacklog: 5000));
        await server.Monitor.SetQueueLimitsAsync("ledger", new QueueLimits(Ordered: true));
        var orphan = (await server.Jobs.EnqueueAsync(new JobRequest("nobody.handles.this"))).Id;
        await server.Jobs.EnqueueAsync(new JobRequest("nobody.handles.this"));
        await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, Options: new JobOptions { Queue = "ledger" }));
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Dashboard + "#/queues");

        var main = page.Locator("tr[data-queue=default]");
        await Expect(main.Locator("td[data-field=limits]")).ToHaveTextAsync("global 3rate 100/1mbacklog ≤ 5,000"); // one line each
        await Expect(main.Locator("[data-field=no-handler]")).ToHaveTextAsync("2 no handler", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        var ledger = page.Locator("tr[data-queue=ledger]");
        await Expect(ledger.Locator("td[data-field=limits]")).ToHaveTextAsync("ordered");
        await Expect(ledger.Locator("[data-field=no-handler]")).ToHaveTextAsync("1 no handler"); // no live node serves the queue at all
        await Screenshots.SaveAsync(page, "queues-limits");

        await server.Monitor.SetQueueLimitsAsync("default", QueueLimits.None);
        await Expect(main.Locator("td[data-field=limits]")).ToHaveTextAsync("—");
        await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo));
        await Expect(main.Locator("[data-field=no-handler]")).ToHaveTextAsync("2 no handler"); // a kind the node runs is not counted

        var json = await server.Http.GetStringAsync($"api/jobs/{orphan}");
        var cli = await ConveyorCli.RunAsync(server.StoreUrl, "jobs", "show", orphan.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        cli.Stdout.ShouldBe(json + "\n", "the API answers the CLI's bytes, noHandler included");
        json.ShouldContain("\"noHandler\":true");
        await page.GotoAsync(server.Dashboard + "#/job/" + orphan);
        await Expect(page.Locator("#job-no-handler")).ToContainTextAsync("No live node serving queue default runs kind nobody.handles.this");
    }

    [GeneratedRegex("^[1-3]$")]
    private static partial Regex SomeRunning();

    [GeneratedRegex(@"^#/job/\d+$")]
    private static partial Regex LastJobHref();
}
