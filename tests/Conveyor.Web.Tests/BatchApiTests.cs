using System.Globalization;
using System.Net;
using Conveyor.Web.Tests.Support;

namespace Conveyor.Web.Tests;

/// <summary><c>/api/batches/{id}</c> over real HTTP, against <c>conveyor batches show --json</c> on the same store.</summary>
public sealed class BatchApiTests
{
    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task A_batch_answers_the_cli_bytes_and_is_cancelled_once(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        var batch = await server.Jobs.EnqueueBatchAsync(
            [new JobRequest("resize", """{"n": 1}"""), new JobRequest("resize", """{"n": 2}""")],
            new JobRequest("notify", """{"to": "ops"}"""),
            new BatchOptions { Deadline = DateTimeOffset.UtcNow.AddHours(1) });
        var id = batch.BatchId.ToString(CultureInfo.InvariantCulture);

        var body = await server.Http.GetStringAsync($"api/batches/{id}");
        var cli = await ConveyorCli.RunAsync(server.StoreUrl, "batches", "show", id, "--json");
        cli.ExitCode.ShouldBe(0, cli.Stderr);
        cli.Stdout.ShouldBe(body + "\n");
        var json = System.Text.Json.JsonDocument.Parse(body).RootElement;
        json.GetProperty("total").GetInt32().ShouldBe(2);
        json.GetProperty("callback").GetProperty("id").GetInt64().ShouldBe(batch.CallbackJobId);
        json.GetProperty("counts").GetProperty("available").GetInt64().ShouldBe(2);

        var cancelled = await server.Http.PostAsync($"api/batches/{id}/cancel", null);
        var cancelBody = await cancelled.Content.ReadAsStringAsync();
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, cancelBody);
        System.Text.Json.JsonDocument.Parse(cancelBody).RootElement.GetProperty("cancelledAt").GetString().ShouldNotBeNull();
        foreach (var child in batch.ChildIds) (await server.Jobs.GetAsync(child))!.State.ShouldBe(JobState.Cancelled);
        (await server.Http.GetStringAsync($"api/batches/{id}")).ShouldBe(cancelBody);

        var again = await server.Http.PostAsync($"api/batches/{id}/cancel", null);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.JsonAsync()).GetProperty("error").GetString()!.ShouldContain("cancelled already");
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task A_batch_enqueued_over_http_holds_its_callback_until_every_child_is_final(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);

        var response = await server.Http.PostJsonAsync("api/batches", """
            {"children": [{"kind": "resize", "args": {"n": 1}}, {"kind": "resize", "args": {"n": 2}, "queue": "media"}],
             "then": {"kind": "notify", "args": {"to": "ops"}}, "deadline": "1h"}
            """);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        var enqueued = System.Text.Json.JsonDocument.Parse(body).RootElement;
        var batchId = enqueued.GetProperty("batchId").GetInt64();
        var callbackId = enqueued.GetProperty("callbackId").GetInt64();
        var ids = enqueued.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        ids.Length.ShouldBe(2);
        response.Headers.Location!.ToString().ShouldEndWith($"batches/{batchId}");

        var batch = (await server.Jobs.GetBatchAsync(batchId))!;
        batch.Total.ShouldBe(2);
        batch.CallbackJobId.ShouldBe(callbackId);
        batch.Deadline.ShouldNotBeNull().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(59));
        (await server.Jobs.GetAsync(callbackId))!.State.ShouldBe(JobState.Waiting);
        (await server.Jobs.GetAsync(ids[1]))!.Queue.ShouldBe("media");
        (await server.Jobs.GetAsync(ids[0]))!.BatchId.ShouldBe(batchId);
    }

    [Theory]
    [InlineData("""{"children": [{"kind": "a"}, {"args": {}}], "then": {"kind": "b"}}""", "children[1].kind")]
    [InlineData("""{"children": [], "then": {"kind": "b"}}""", "children")]
    [InlineData("""{"children": [{"kind": "a"}]}""", "then")]
    [InlineData("""{"then": {"kind": "b"}}""", "children")]
    [InlineData("""{"children": [{"kind": "a"}], "then": {"kind": "b", "uniqueKey": "u"}}""", "then.uniqueKey")]
    [InlineData("""{"children": [{"kind": "a", "uniqueKey": "u"}], "then": {"kind": "b"}}""", "children[0].uniqueKey")]
    [InlineData("""{"children": [{"kind": "a"}], "then": {"kind": "b", "priority": "high"}}""", "then.priority")]
    [InlineData("""{"children": [{"kind": "a"}], "then": {"kind": "b"}, "deadline": "soon"}""", "deadline")]
    [InlineData("""{"children": [{"kind": "a"}], "then": {"kind": "b"}, "callback": {}}""", "callback")]
    [InlineData("""[{"kind": "a"}]""", "body")]
    [InlineData("""{"children": [{"kind": "a"}], "then": {"kind": "b"}, "deadline": "1d", "deadline": "2d"}""", "deadline")]
    [InlineData("""{"children": [{"kind": "a", "kind": "x"}], "then": {"kind": "b"}}""", "children[0].kind")]
    [InlineData("""{"children": [{"kind": "a"}], "then": "b"}""", "then")]
    [InlineData("""{"children": ["a"], "then": {"kind": "b"}}""", "children[0]")]
    [InlineData("""{"children": [{"kind": "a"}, {"kind": "a", "after": 2021405679}], "then": {"kind": "b"}}""", "children[1].after")]
    [InlineData("""{"children": [{"kind": "a", "batchId": 1}], "then": {"kind": "b"}}""", "children[0].batchId")]
    public async Task A_malformed_batch_answers_400_naming_its_field_and_stores_nothing(string json, string field)
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);

        var response = await server.Http.PostJsonAsync("api/batches", json);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("field").GetString().ShouldBe(field);
        (await server.Jobs.ListAsync(new JobQuery { Limit = 10 })).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_job_that_asks_for_a_batch_is_pointed_to_the_batch_endpoint()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var response = await server.Http.PostJsonAsync("api/jobs", """{"kind": "a", "batch": 1}""");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.JsonAsync()).GetProperty("error").GetString()!.ShouldContain("POST /api/batches");
    }

    [Theory]
    [InlineData("GET", "api/batches/999999", HttpStatusCode.NotFound)]
    [InlineData("POST", "api/batches/999999/cancel", HttpStatusCode.NotFound)]
    [InlineData("GET", "api/batches/abc", HttpStatusCode.BadRequest)]
    [InlineData("GET", "api/batches/0", HttpStatusCode.BadRequest)]
    [InlineData("POST", "api/batches/-3/cancel", HttpStatusCode.BadRequest)]
    public async Task Unknown_and_malformed_batch_ids_answer_404_and_400(string method, string path, HttpStatusCode status)
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var response = await server.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        response.StatusCode.ShouldBe(status);
        (await response.JsonAsync()).GetProperty("field").GetString().ShouldBe("id");
    }
}
