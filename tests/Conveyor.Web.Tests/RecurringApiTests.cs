using System.Net;
using System.Text.Json;
using Conveyor.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Web.Tests;

/// <summary><c>/api/cron</c> over real HTTP, against <c>conveyor cron list --json</c> on the same store.</summary>
public sealed class RecurringApiTests
{
    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Cron_lists_the_same_bytes_as_the_cli_and_delete_removes_one_schedule(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        var recurring = server.Services.GetRequiredService<RecurringJobs>();
        (await server.Http.GetStringAsync("api/cron")).ShouldBe("""{"schedules":[]}""");
        await recurring.AddOrUpdateAsync(new RecurringJob("nightly-report", "0 3 * * *", "report", """{"format": "<pdf>"}""")
        {
            TimeZone = "Europe/Paris",
            Options = new JobOptions { Queue = "reports", MaxAttempts = 2 },
        });
        await recurring.AddOrUpdateAsync(new RecurringJob("every-5-minutes", "*/5 * * * *", "ping") { Options = new JobOptions { Queue = "ops" } });

        var body = await server.Http.GetStringAsync("api/cron");
        var cli = await ConveyorCli.RunAsync(server.StoreUrl, "cron", "list", "--json");
        cli.ExitCode.ShouldBe(0, cli.Stderr);
        cli.Stdout.ShouldBe(body + "\n");
        var schedules = JsonDocument.Parse(body).RootElement.GetProperty("schedules");
        schedules.EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe(["every-5-minutes", "nightly-report"]);
        var nightly = schedules[1];
        nightly.GetProperty("timeZone").GetString().ShouldBe("Europe/Paris");
        nightly.GetProperty("args").GetProperty("format").GetString().ShouldBe("<pdf>");
        nightly.GetProperty("source").GetString().ShouldBe("api");
        nightly.GetProperty("nextRun").GetString().ShouldNotBeNull();

        var removed = await server.Http.DeleteAsync("api/cron/nightly-report");
        removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await recurring.ListAsync()).Select(s => s.Job.Name).ShouldBe(["every-5-minutes"]);

        var again = await server.Http.DeleteAsync("api/cron/nightly-report");
        again.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var error = await again.JsonAsync();
        error.GetProperty("error").GetString()!.ShouldContain("nightly-report");
        error.GetProperty("field").GetString().ShouldBe("name");
        (await recurring.ListAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_cron_endpoints()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var openApi = JsonDocument.Parse(await server.Http.GetStringAsync("api/openapi.json")).RootElement;
        var paths = openApi.GetProperty("paths");
        paths.GetProperty("/conveyor/api/cron").GetProperty("get").GetProperty("responses").TryGetProperty("200", out _).ShouldBeTrue();
        paths.GetProperty("/conveyor/api/cron/{name}").GetProperty("delete").GetProperty("responses").TryGetProperty("404", out _).ShouldBeTrue();
        var schemas = openApi.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("RecurringScheduleList").GetProperty("properties").TryGetProperty("schedules", out _).ShouldBeTrue();
        schemas.GetProperty("RecurringSchedule").GetProperty("properties").TryGetProperty("nextRun", out _).ShouldBeTrue();
    }
}
