using System.Net;
using Conveyor.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Web.Tests;

/// <summary><c>/metrics</c> scraped over HTTP and parsed strictly; the health checks against a real store and node.</summary>
public sealed class ObservabilityTests
{
    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Metrics_in_the_prometheus_text_format_count_jobs_slots_and_nodes(string store)
    {
        await using var server = await WebServer.StartAsync(store, nodeName: "metrics-node \"one\"");
        var id = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo))).Id;
        await server.WaitForStateAsync(id, JobState.Succeeded);
        var dead = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.FailWith, """{"message": "no"}"""))).Id;
        await server.WaitForStateAsync(dead, JobState.Dead);
        await server.Jobs.EnqueueAsync(new JobRequest("other.kind", "{}", new JobOptions { Queue = "idle", Delay = TimeSpan.FromHours(1) }));

        var response = await server.Http.GetAsync("metrics");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().ShouldBe("text/plain; version=0.0.4; charset=utf-8");
        var samples = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        double Value(string name, params (string, string)[] labels) =>
            samples.Single(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Item1, out var v) && v == l.Item2)).Value;
        Value("conveyor_jobs", ("queue", "default"), ("state", "succeeded")).ShouldBe(1);
        Value("conveyor_jobs", ("queue", "default"), ("state", "dead")).ShouldBe(1);
        Value("conveyor_jobs", ("queue", "idle"), ("state", "scheduled")).ShouldBe(1);
        samples.Count(s => s.Name == "conveyor_jobs").ShouldBe(2 * JobStates.All.Count);
        Value("conveyor_queue_slots", ("queue", "default")).ShouldBe(4);
        Value("conveyor_queue_slots", ("queue", "idle")).ShouldBe(0);
        Value("conveyor_queue_paused", ("queue", "default")).ShouldBe(0);
        Value("conveyor_nodes").ShouldBe(1);
        Value("conveyor_node_leader", ("node", "metrics-node \"one\"")).ShouldBe(1);
        Value("conveyor_node_slots", ("node", "metrics-node \"one\""), ("queue", "default")).ShouldBe(4);
        Value("conveyor_node_heartbeat_age_seconds", ("node", "metrics-node \"one\"")).ShouldBeInRange(0, 60);

        // This process's own instruments of the Conveyor meter: what its node ran.
        Value("conveyor_jobs_enqueued_total", ("kind", TestKinds.Echo), ("queue", "default")).ShouldBe(1);
        Value("conveyor_jobs_started_total", ("kind", TestKinds.Echo), ("queue", "default")).ShouldBe(1);
        Value("conveyor_jobs_succeeded_total", ("kind", TestKinds.Echo), ("queue", "default")).ShouldBe(1);
        Value("conveyor_jobs_failed_total", ("kind", TestKinds.FailWith), ("queue", "default")).ShouldBeGreaterThanOrEqualTo(1);
        Value("conveyor_jobs_dead_total", ("kind", TestKinds.FailWith), ("queue", "default")).ShouldBe(1);
        Value("conveyor_job_duration_seconds_count", ("kind", TestKinds.Echo), ("queue", "default")).ShouldBe(1);
        Value("conveyor_job_duration_seconds_bucket", ("kind", TestKinds.Echo), ("queue", "default"), ("le", "+Inf")).ShouldBe(1);
        Value("conveyor_job_queue_wait_seconds_count", ("kind", TestKinds.Echo), ("queue", "default")).ShouldBe(1);
        Value("conveyor_worker_slots", ("queue", "default")).ShouldBe(4);
        Value("conveyor_worker_busy", ("queue", "default")).ShouldBe(0);

        await server.Monitor.PauseQueueAsync("default");
        samples = PrometheusText.Parse(await server.Http.GetStringAsync("metrics"));
        Value("conveyor_queue_paused", ("queue", "default")).ShouldBe(1);
    }

    [Fact]
    public async Task Metrics_need_the_key_when_one_is_set()
    {
        await using var server = await WebServer.StartAsync("sqlite", apiKey: "m-key", worker: false);
        await (await server.Http.GetAsync("metrics")).ShouldBeErrorAsync(401, null);
        var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "m-key");
        (await server.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Health_checks_see_the_store_the_node_and_the_leader(string store)
    {
        await using var server = await WebServer.StartAsync(store);
        var health = server.Services.GetRequiredService<HealthCheckService>();
        await WebServer.WaitUntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, "every Conveyor check is healthy");
        var report = await health.CheckHealthAsync();
        report.Entries.Keys.Order().ShouldBe(["conveyor-leader", "conveyor-node", "conveyor-store"]);
        report.Entries["conveyor-node"].Description!.ShouldContain("heartbeat");
        report.Entries["conveyor-leader"].Description!.ShouldContain("leads");
    }

    [Fact]
    public async Task A_stopped_node_makes_the_node_check_unhealthy()
    {
        await using var server = await WebServer.StartAsync("sqlite");
        var health = server.Services.GetRequiredService<HealthCheckService>();
        await WebServer.WaitUntilAsync(async () => (await health.CheckHealthAsync()).Entries["conveyor-node"].Status == HealthStatus.Healthy, "the node check is healthy");
        await server.Services.GetRequiredService<JobServer>().StopAsync(CancellationToken.None);
        var report = await health.CheckHealthAsync();
        report.Entries["conveyor-node"].Status.ShouldBe(HealthStatus.Unhealthy);
        report.Entries["conveyor-node"].Description!.ShouldContain("not registered");
        report.Status.ShouldBe(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task Without_a_node_the_leader_check_is_degraded_and_the_others_healthy()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var report = await server.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Entries["conveyor-store"].Status.ShouldBe(HealthStatus.Healthy);
        report.Entries["conveyor-node"].Status.ShouldBe(HealthStatus.Healthy);
        report.Entries["conveyor-leader"].Status.ShouldBe(HealthStatus.Degraded);
        report.Entries["conveyor-leader"].Description!.ShouldContain("no live node");
        report.Status.ShouldBe(HealthStatus.Degraded);
    }

    [Fact]
    public async Task A_store_that_does_not_answer_is_unhealthy()
    {
        // A PostgreSQL address where nothing listens: every connection is refused.
        await using var server = await WebServer.StartAsync("sqlite", worker: false,
            configure: o => o.UsePostgres("Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=3"));
        var report = await server.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Entries["conveyor-store"].Status.ShouldBe(HealthStatus.Unhealthy);
        report.Entries["conveyor-store"].Description!.ShouldContain("does not answer");
        (await server.Http.GetAsync("healthz")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        await (await server.Http.GetAsync("api/queues")).ShouldBeErrorAsync(500, null);
    }
}
