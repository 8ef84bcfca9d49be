using System.Net;
using System.Text.Json;
using Conveyor.Web.Tests.Support;

namespace Conveyor.Web.Tests;

/// <summary><c>GET /api/stats</c>'s activity of the last hour and <c>GET /api/ordering-keys/{key}</c>, over real HTTP.</summary>
public sealed class InsightApiTests
{
    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Stats_give_the_jobs_that_ended_per_minute_over_the_last_hour(string store)
    {
        await using var server = await WebServer.StartAsync(store);
        var succeeded = new List<long>();
        for (var i = 0; i < 3; i++) succeeded.Add((await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo))).Id);
        var retried = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailFirst, "{}", new JobOptions { MaxAttempts = 2 }))).Id;
        var dead = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailWith, """{"message": "no"}"""))).Id;
        foreach (var id in succeeded) await server.WaitForStateAsync(id, JobState.Succeeded);
        await server.WaitForStateAsync(dead, JobState.Dead);
        // The retry of the first attempt waits its backoff; run it now.
        await server.WaitForStateAsync(retried, JobState.Retrying);
        (await server.Jobs.RetryAsync(retried)).Status.ShouldBe(Conveyor.Storage.JobChangeStatus.Done);
        await server.WaitForStateAsync(retried, JobState.Succeeded);

        var stats = JsonDocument.Parse(await server.Http.GetStringAsync("api/stats")).RootElement;
        var activity = stats.GetProperty("activity");
        activity.GetProperty("bucketSeconds").GetInt32().ShouldBe(60);
        var buckets = activity.GetProperty("buckets").EnumerateArray().ToList();
        buckets.Count.ShouldBe(60);
        var since = DateTimeOffset.Parse(activity.GetProperty("since").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        since.Second.ShouldBe(0);
        DateTimeOffset.Parse(buckets[^1].GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(since.AddMinutes(59));
        (DateTimeOffset.UtcNow - since).ShouldBeInRange(TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(60.5));
        buckets.Sum(b => b.GetProperty("succeeded").GetInt64()).ShouldBe(4);
        buckets.Sum(b => b.GetProperty("dead").GetInt64()).ShouldBe(1);
        buckets.Sum(b => b.GetProperty("failedAttempts").GetInt64()).ShouldBe(2);
        var withJobs = buckets.Where(b => b.GetProperty("succeeded").GetInt64() + b.GetProperty("dead").GetInt64() > 0).ToList();
        withJobs.ShouldNotBeEmpty();
        withJobs.ShouldAllBe(b => b.GetProperty("waitMs").ValueKind == JsonValueKind.Number && b.GetProperty("waitMs").GetDouble() >= 0
            && b.GetProperty("maxWaitMs").GetDouble() >= b.GetProperty("waitMs").GetDouble());
        buckets.Except(withJobs).ShouldAllBe(b => b.GetProperty("waitMs").ValueKind == JsonValueKind.Null);
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task An_ordering_key_shows_the_job_that_holds_it_and_those_waiting_in_order(string store)
    {
        await using var server = await WebServer.StartAsync(store);
        var holder = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Sleep, """{"ms": 60000}""", new JobOptions { OrderingKey = "acct/7 <b>" }))).Id;
        await server.WaitForStateAsync(holder, JobState.Running);
        var second = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, "{}", new JobOptions { OrderingKey = "acct/7 <b>" }))).Id;
        var third = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, "{}", new JobOptions { OrderingKey = "acct/7 <b>", Delay = TimeSpan.FromHours(1) }))).Id;
        await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, "{}", new JobOptions { OrderingKey = "other" }));

        var response = await server.Http.GetAsync("api/ordering-keys/" + Uri.EscapeDataString("acct/7 <b>"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.JsonAsync();
        body.GetProperty("key").GetString().ShouldBe("acct/7 <b>");
        body.GetProperty("holder").GetProperty("id").GetInt64().ShouldBe(holder);
        body.GetProperty("holder").GetProperty("state").GetString().ShouldBe("running");
        body.GetProperty("waiting").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()).ShouldBe([second, third]);
        body.GetProperty("more").GetBoolean().ShouldBeFalse();
        // The holder is the same job JSON as GET /api/jobs/{id}.
        var job = await server.Http.GetStringAsync($"api/jobs/{holder}");
        body.GetProperty("holder").GetRawText().ShouldBe(JsonDocument.Parse(job).RootElement.GetRawText());

        var none = await (await server.Http.GetAsync("api/ordering-keys/nobody")).JsonAsync();
        none.GetProperty("holder").ValueKind.ShouldBe(JsonValueKind.Null);
        none.GetProperty("waiting").GetArrayLength().ShouldBe(0);
        await (await server.Http.GetAsync("api/ordering-keys/" + new string('k', 300))).ShouldBeErrorAsync(400, "orderingKey");
        // Its node stops the handler at its next heartbeat, so the server stops without waiting out the drain.
        await server.Jobs.CancelAsync(holder);
    }

    [Fact]
    public async Task The_openapi_document_describes_stats_activity_and_ordering_keys()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var openApi = JsonDocument.Parse(await server.Http.GetStringAsync("api/openapi.json")).RootElement;
        var paths = openApi.GetProperty("paths");
        paths.TryGetProperty("/conveyor/api/ordering-keys/{key}", out var orderingKey).ShouldBeTrue();
        orderingKey.GetProperty("get").GetProperty("responses").TryGetProperty("200", out _).ShouldBeTrue();
        var schemas = openApi.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("Stats").GetProperty("properties").TryGetProperty("activity", out _).ShouldBeTrue();
        schemas.GetProperty("ActivityBucket").GetProperty("properties").TryGetProperty("failedAttempts", out _).ShouldBeTrue();
        schemas.GetProperty("OrderingKey").GetProperty("properties").TryGetProperty("waiting", out _).ShouldBeTrue();
    }
}
