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
