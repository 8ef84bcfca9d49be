using System.Text.Json;
using Conveyor.Web.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Conveyor.Web.Tests;

/// <summary>The dashboard in a real headless Chromium against a real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTests(BrowserFixture browser)
{
    private const string Script = "<script>alert(1)</script>";
    private const string Attribute = "\"><img src=x onerror=alert(1)>";

    [Fact]
    public async Task A_dead_job_is_found_opened_retried_and_seen_to_succeed()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, """{"report": "weekly", "pages": [1, 2, 3]}"""));
        var id = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailFirst, """{"invoice": 42}""", new JobOptions { MaxAttempts = 1 }))).Id;
        await server.WaitForStateAsync(id, JobState.Dead);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(server.Dashboard.ToString());
        var deadCard = page.Locator(".card[data-state=dead]");
        await Expect(deadCard).ToHaveAttributeAsync("data-count", "1");
        await Expect(page.Locator(".card[data-state=succeeded]")).ToHaveAttributeAsync("data-count", "1");
        await Screenshots.SaveAsync(page, "overview");

        await deadCard.ClickAsync();
        var row = page.Locator($"tr[data-job='{id}']");
        await Expect(row).ToContainTextAsync(TestKinds.FailFirst);
        await Expect(row).ToContainTextAsync(TestKinds.FailFirstMessage);
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await Screenshots.SaveAsync(page, "jobs-dead");

        await row.Locator("a").First.ClickAsync();
        await Expect(page.Locator("h1 .badge")).ToHaveTextAsync("dead");
        await Expect(page.Locator("#job-errors")).ToContainTextAsync(TestKinds.FailFirstMessage);
        await Expect(page.Locator("#job-errors")).ToContainTextAsync("System.InvalidOperationException");
        await page.Locator("#job-errors summary").First.ClickAsync();
        await Expect(page.Locator("#job-errors pre").First).ToContainTextAsync("TestKinds");
        await Expect(page.Locator("#job-args")).ToContainTextAsync("\"invoice\": 42");
        await Expect(page.Locator(".actions")).ToHaveTextAsync("RetryDelete");
        await Screenshots.SaveAsync(page, "job-dead");

        await page.Locator("button[data-action=retry]").ClickAsync();
        await Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Dead);
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("h1 .badge")).ToHaveTextAsync("succeeded");
        await Expect(page.Locator("#job-result")).ToContainTextAsync("\"ok\": true");
        await Expect(page.Locator("ol.timeline")).ToContainTextAsync("attempt 2 started");
        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Succeeded);
        await Screenshots.SaveAsync(page, "job-succeeded");
    }

    [Fact]
    public async Task Dead_jobs_are_grouped_by_error_and_a_group_is_retried_or_deleted_at_once()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var smtp = new List<long>();
        for (var i = 0; i < 3; i++)
            smtp.Add((await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailWith, $$"""{"message": "smtp.example.com timed out", "to": "user{{i}}@example.com"}"""))).Id);
        var once = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailFirst, "{}", new JobOptions { MaxAttempts = 1 }))).Id;
        foreach (var id in smtp) await server.WaitForStateAsync(id, JobState.Dead);
        await server.WaitForStateAsync(once, JobState.Dead);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(server.Dashboard + "#/dead");
        var groups = page.Locator("tr[data-group]");
        await Expect(groups).ToHaveCountAsync(2);
        var smtpGroup = groups.Filter(new LocatorFilterOptions { HasText = "smtp.example.com timed out" });
        await Expect(smtpGroup.Locator("td.num")).ToHaveTextAsync("3");
        await Screenshots.SaveAsync(page, "dead-groups");

        await groups.Filter(new LocatorFilterOptions { HasText = TestKinds.FailFirstMessage }).Locator("button[data-action=retry-group]").ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await server.WaitForStateAsync(once, JobState.Succeeded);

        await smtpGroup.Locator("button[data-action=delete-group]").ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync("Delete 3 dead job(s)");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("main .empty")).ToHaveTextAsync("No dead jobs.");
        foreach (var id in smtp) (await server.Jobs.GetAsync(id)).ShouldBeNull();
    }

    [Fact]
    public async Task A_job_running_past_its_timeout_is_flagged_on_the_overview()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var calm = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Stubborn, """{"ms": 8000}"""))).Id;
        var id = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Stubborn, """{"ms": 8000}""", new JobOptions { Timeout = TimeSpan.FromMilliseconds(300) }))).Id;
        await server.WaitForStateAsync(id, JobState.Running);
        await server.WaitForStateAsync(calm, JobState.Running);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Dashboard.ToString());
        var flagged = page.Locator($"#stuck li[data-job='{id}']");
        await Expect(flagged).ToContainTextAsync("running past its 300 ms timeout");
        await Expect(page.Locator("#stuck li")).ToHaveCountAsync(1);
        await Screenshots.SaveAsync(page, "overview-stuck");
    }

    [Fact]
    public async Task Jobs_are_searched_filtered_and_paged_by_cursor()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var requests = Enumerable.Range(0, 60).Select(i => new JobRequest(i % 3 == 0 ? "report.build" : "send_email",
            $$"""{"n": {{i}}}""", new JobOptions { Queue = i % 2 == 0 ? "default" : "smtp" })).ToList();
        var ids = (await server.Jobs.EnqueueManyAsync(requests)).Select(r => r.Id).ToList();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(server.Dashboard + "#/jobs");
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(50);
        await Expect(page.Locator("tbody tr").First).ToHaveAttributeAsync("data-job", ids[^1].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("button[data-action=next]").ClickAsync();
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(10);
        await Expect(page.Locator("tbody tr").Last).ToHaveAttributeAsync("data-job", ids[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByText("← Back").ClickAsync();
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(50);

        await page.Locator("select[name=state]").SelectOptionAsync("available");
        await page.Locator("input[name=queue]").FillAsync("smtp");
        await page.Locator("input[name=kind]").FillAsync("report.build");
        await page.Locator("form.filters button[type=submit]").ClickAsync();
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(10);
        page.Url.ShouldContain("state=available");
        await Screenshots.SaveAsync(page, "jobs");

        await page.Locator("#search-input").FillAsync(ids[7].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#search-input").PressAsync("Enter");
        await Expect(page.Locator("#job-args")).ToContainTextAsync("\"n\": 7");
        await page.Locator("#search-input").FillAsync("send_email");
        await page.Locator("#search-input").PressAsync("Enter");
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(40);
    }

    [Fact]
    public async Task Cancelling_asks_for_confirmation_and_keep_changes_nothing()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var id = (await server.Jobs.EnqueueAsync(new JobRequest("report.build", "{}"))).Id;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Dashboard + "#/job/" + id);
        await Expect(page.Locator("h1 .badge")).ToHaveTextAsync("available");

        await page.Locator("button[data-action=cancel]").ClickAsync();
        await page.Locator("#confirm button[value=cancel]").ClickAsync();
        await Expect(page.Locator("#confirm")).ToBeHiddenAsync();
        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Available);

        await page.Locator("button[data-action=cancel]").ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("h1 .badge")).ToHaveTextAsync("cancelled");
        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Cancelled);

        await page.Locator("button[data-action=delete]").ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("main .empty")).ToContainTextAsync("does not exist");
        (await server.Jobs.GetAsync(id)).ShouldBeNull();
    }

    [Fact]
    public async Task A_queue_is_paused_and_resumed_from_the_queues_page()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Dashboard + "#/queues");
        var row = page.Locator("tr[data-queue=default]");
        await Expect(row).ToContainTextAsync("0 / 4");

        await row.Locator("button[data-action=pause]").ClickAsync();
        await Expect(row.Locator(".badge.paused")).ToHaveTextAsync("paused");
        (await server.Monitor.ListQueuesAsync()).Single(q => q.Name == "default").Paused.ShouldBeTrue();
        var held = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo))).Id;
        await Expect(row).ToContainTextAsync("1");
        (await server.Jobs.GetAsync(held))!.State.ShouldBe(JobState.Available);
        await Screenshots.SaveAsync(page, "queues");

        await row.Locator("button[data-action=resume]").ClickAsync();
        await Expect(row.Locator("button[data-action=pause]")).ToBeVisibleAsync();
        (await server.Monitor.ListQueuesAsync()).Single(q => q.Name == "default").Paused.ShouldBeFalse();
        await server.WaitForStateAsync(held, JobState.Succeeded);

        await page.GotoAsync(server.Dashboard + "#/nodes");
        await Expect(page.Locator("tr[data-node] .badge.leader")).ToHaveTextAsync("leader");
        await Expect(page.Locator("tr[data-node]")).ToContainTextAsync(TestKinds.Echo);
        await Screenshots.SaveAsync(page, "nodes");
    }

    [Fact]
    public async Task Hostile_args_and_error_messages_show_as_text_and_run_no_script()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var hostile = JsonSerializer.Serialize(new { message = Script + Attribute, note = Attribute, html = Script });
        var id = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailWith, hostile, new JobOptions { MaxAttempts = 1 }))).Id;
        await server.WaitForStateAsync(id, JobState.Dead);
        var page = await browser.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        await page.GotoAsync(server.Dashboard + "#/job/" + id);
        await Expect(page.Locator("#job-args")).ToContainTextAsync(Script);
        await Expect(page.Locator("#job-args")).ToContainTextAsync("\\" + Attribute);
        await Expect(page.Locator("#job-errors")).ToContainTextAsync(Script + Attribute);

        await page.GotoAsync(server.Dashboard + "#/jobs?state=dead");
        await Expect(page.Locator($"tr[data-job='{id}']")).ToContainTextAsync(Script + Attribute);

        await page.GotoAsync(server.Dashboard + "#/dead");
        await Expect(page.Locator("tr[data-group]")).ToContainTextAsync(Script + Attribute);

        // Whatever the page shows, it made no element from the data: no img, no script but the app's own.
        (await page.Locator("main img").CountAsync()).ShouldBe(0);
        (await page.Locator("script").CountAsync()).ShouldBe(1);
        (await page.EvaluateAsync<bool>("() => typeof window.__xss === 'undefined'")).ShouldBeTrue();
        dialogs.ShouldBeEmpty();
    }

    [Fact]
    public async Task With_a_key_the_dashboard_asks_for_it_once_and_refuses_a_wrong_one()
    {
        const string key = "dashboard-key-42";
        await using var server = await WebServer.StartAsync("sqlite", apiKey: key, worker: false);
        await server.Jobs.EnqueueAsync(new JobRequest("k"));
        var page = await browser.NewPageAsync(dark: true);

        await page.GotoAsync(server.Dashboard.ToString());
        await Expect(page.Locator("#key-dialog")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "key-prompt-dark");
        await page.Locator("#key-input").FillAsync("wrong");
        await page.Locator("#key-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#key-error")).ToHaveTextAsync("That key was refused.");
        await page.Locator("#key-input").FillAsync(key);
        await page.Locator("#key-form button[type=submit]").ClickAsync();
        await Expect(page.Locator(".card[data-state=available]")).ToHaveAttributeAsync("data-count", "1");
        await Expect(page.Locator("#key-dialog")).ToBeHiddenAsync();
        await Screenshots.SaveAsync(page, "overview-dark");

        await page.ReloadAsync();
        await Expect(page.Locator(".card[data-state=available]")).ToHaveAttributeAsync("data-count", "1");
        await Expect(page.Locator("#key-dialog")).ToBeHiddenAsync();
        await page.Locator("#forget-key").ClickAsync();
        await Expect(page.Locator("#key-dialog")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_form_on_another_site_cannot_act_through_the_browser()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var id = (await server.Jobs.EnqueueAsync(new JobRequest("k"))).Id;
        var target = new Uri(server.Dashboard, $"api/jobs/{id}/cancel");
        await using var attacker = await StartAttackerAsync(target);
        var page = await browser.NewPageAsync();

        var response = await page.RunAndWaitForResponseAsync(
            () => page.GotoAsync(attacker.Url),
            r => r.Url == target.ToString());
        response.Status.ShouldBe(403);
        (await response.TextAsync()).ShouldContain("cross-site request refused");
        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task The_dashboard_fits_a_phone()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, """{"to": "a@example.com"}"""));
        var page = await browser.NewPageAsync(width: 390, height: 844);
        await page.GotoAsync(server.Dashboard.ToString());
        await Expect(page.Locator(".card[data-state=succeeded]")).ToHaveAttributeAsync("data-count", "1");
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
        await Screenshots.SaveAsync(page, "overview-phone");
    }

    /// <summary>A page on another origin (localhost, not 127.0.0.1) whose form posts to <paramref name="target"/> on load.</summary>
    private static async Task<Attacker> StartAttackerAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var html = $"""
            <!doctype html><form id="f" method="post" action="{target}"><input name="x" value="1"></form>
            <script>document.getElementById('f').submit();</script>
            """;
        app.MapGet("/", () => Results.Content(html, "text/html"));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new Attacker(app, $"http://localhost:{address.Port}/");
    }

    private sealed record Attacker(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
