using System.Globalization;
using Conveyor.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Conveyor.Web.Tests;

/// <summary>The overview's charts of the last hour and the ordering-key page, in a real headless Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class InsightDashboardTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_overview_charts_the_jobs_that_ended_and_updates_them_live()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add((await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, $$"""{"n": {{i}}}"""))).Id);
        var dead = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailWith, """{"message": "card declined"}"""))).Id;
        foreach (var id in ids) await server.WaitForStateAsync(id, JobState.Succeeded);
        await server.WaitForStateAsync(dead, JobState.Dead);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(server.Dashboard.ToString());
        var throughput = page.Locator("#chart-throughput");
        await Expect(throughput).ToHaveAttributeAsync("data-total", "3");
        await Expect(page.Locator("#chart-failures")).ToHaveAttributeAsync("data-dead", "1");
        await Expect(page.Locator("#chart-failures")).ToHaveAttributeAsync("data-failed", "1");
        await Expect(page.Locator("#chart-wait")).ToHaveAttributeAsync("data-jobs", "4");
        await Expect(throughput).ToContainTextAsync("3 succeeded");
        // The bars add up to what ran, in the minutes it ran.
        (await BarTotalAsync(page, "#chart-throughput rect.bar.succeeded")).ShouldBe(3);
        (await BarTotalAsync(page, "#chart-failures rect.bar.dead")).ShouldBe(1);
        (await page.Locator("#chart-wait rect.bar.wait").CountAsync()).ShouldBeGreaterThanOrEqualTo(1);
        var minute = DateTimeOffset.Parse(await page.Locator("#chart-throughput rect.bar").Last.GetAttributeAsync("data-at") ?? "", CultureInfo.InvariantCulture);
        (DateTimeOffset.UtcNow - minute).ShouldBeInRange(TimeSpan.Zero, TimeSpan.FromMinutes(2));
        await Screenshots.SaveAsync(page, "overview-charts");

        // Two more jobs: the chart follows without a reload.
        var more = new[] { (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo))).Id, (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo))).Id };
        foreach (var id in more) await server.WaitForStateAsync(id, JobState.Succeeded);
        await Expect(throughput).ToHaveAttributeAsync("data-total", "5");
        (await BarTotalAsync(page, "#chart-throughput rect.bar.succeeded")).ShouldBe(5);

        var dark = await browser.NewPageAsync(dark: true);
        await dark.GotoAsync(server.Dashboard.ToString());
        await Expect(dark.Locator("#chart-throughput")).ToHaveAttributeAsync("data-total", "5");
        await Screenshots.SaveAsync(dark, "overview-charts-dark");
    }

    [Fact]
    public async Task An_ordering_key_page_shows_its_holder_and_the_jobs_waiting_in_order()
    {
        const string key = "tenant/42 <script>alert(1)</script>";
        await using var server = await WebServer.StartAsync("sqlite");
        var holder = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Sleep, """{"ms": 60000}""", new JobOptions { OrderingKey = key }))).Id;
        await server.WaitForStateAsync(holder, JobState.Running);
        var next = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, """{"step": 2}""", new JobOptions { OrderingKey = key }))).Id;
        var last = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, """{"step": 3}""", new JobOptions { OrderingKey = key, Delay = TimeSpan.FromHours(1) }))).Id;
        var page = await browser.NewPageAsync();
        var dialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            dialogs++;
            await dialog.DismissAsync();
        };

        // From a waiting job's page, its ordering key is a link to the key's page.
        await page.GotoAsync(server.Dashboard + "#/job/" + next);
        await Expect(page.Locator("#job-ordering-key")).ToHaveTextAsync(key);
        await page.Locator("#job-ordering-key").ClickAsync();
        await Expect(page.Locator("h1 .mono")).ToHaveTextAsync(key);
        await Expect(page.Locator($"#key-holder tr[data-job='{holder}']")).ToContainTextAsync("running");
        await Expect(page.Locator("#key-holder")).ToContainTextAsync("Running now");
        var waiting = page.Locator("#key-waiting tbody tr");
        await Expect(waiting).ToHaveCountAsync(2);
        (await waiting.EvaluateAllAsync<long[]>("rows => rows.map(r => Number(r.dataset.job))")).ShouldBe([next, last]);
        await Expect(waiting.Nth(1)).ToContainTextAsync("scheduled");
        await Expect(page.Locator("main h2").Nth(1)).ToHaveTextAsync("Waiting (2)");
        await Screenshots.SaveAsync(page, "ordering-key");

        // The holder gives the key up: the next job runs and the page follows without a reload.
        await server.Jobs.CancelAsync(holder);
        await server.Jobs.DeleteAsync(holder);
        await server.WaitForStateAsync(next, JobState.Succeeded);
        await Expect(page.Locator($"#key-holder tr[data-job='{last}']")).ToContainTextAsync("scheduled");
        await Expect(page.Locator("#key-holder")).ToContainTextAsync("next of this key to run");
        await Expect(page.Locator("#key-waiting .empty")).ToHaveTextAsync("Nothing waits behind it.");

        // By URL, and from the search box.
        var byUrl = await browser.NewPageAsync();
        await byUrl.GotoAsync(server.Dashboard + "#/key/" + Uri.EscapeDataString(key));
        await Expect(byUrl.Locator($"#key-holder tr[data-job='{last}']")).ToBeVisibleAsync();
        await byUrl.Locator("#search-input").FillAsync("key:nobody-uses-this");
        await byUrl.Locator("#search-input").PressAsync("Enter");
        await Expect(byUrl.Locator("#key-holder .empty")).ToContainTextAsync("No job holds this key");
        dialogs.ShouldBe(0);
        (await page.Locator("script").CountAsync()).ShouldBe(1);
    }

    private static Task<int> BarTotalAsync(IPage page, string selector) =>
        page.Locator(selector).EvaluateAllAsync<int>("bars => bars.reduce((n, b) => n + Number(b.dataset.value), 0)");
}
