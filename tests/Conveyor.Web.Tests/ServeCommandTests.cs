using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Conveyor.Web.Tests.Support;

namespace Conveyor.Web.Tests;

/// <summary><c>conveyor serve</c> as a real child process: its node runs jobs, its API answers the CLI's bytes.</summary>
public sealed class ServeCommandTests
{
    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Serve_runs_jobs_enqueued_over_http_and_answers_the_same_bytes_as_the_cli(string storeKind)
    {
        await using var store = TestStore.Create(storeKind);
        await using var serve = await ServeProcess.StartAsync(store.Url, ["--concurrency", "2", "--name", "web-node"]);
        using var http = new HttpClient { BaseAddress = serve.Root };

        var created = await http.PostJsonAsync("api/jobs", """{"kind": "conveyor.echo", "args": {"greeting": "hello <world>"}}""");
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.JsonAsync()).GetProperty("id").GetInt64();
        await WebServer.WaitUntilAsync(async () =>
            (await (await http.GetAsync($"api/jobs/{id}")).JsonAsync()).GetProperty("state").GetString() == "succeeded", $"job {id} succeeded");

        var job = await http.GetStringAsync($"api/jobs/{id}");
        JsonDocument.Parse(job).RootElement.GetProperty("result").GetProperty("greeting").GetString().ShouldBe("hello <world>");
        var show = await ConveyorCli.RunAsync(store.Url, "jobs", "show", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        show.ExitCode.ShouldBe(0, show.Stderr);
        show.Stdout.ShouldBe(job + "\n");
        var list = await ConveyorCli.RunAsync(store.Url, "jobs", "list", "--json");
        list.Stdout.ShouldBe(await http.GetStringAsync("api/jobs") + "\n");
        var queues = await ConveyorCli.RunAsync(store.Url, "queues", "--json");
        queues.Stdout.ShouldBe(await http.GetStringAsync("api/queues") + "\n");

        var nodes = JsonDocument.Parse(await http.GetStringAsync("api/nodes")).RootElement.GetProperty("nodes");
        nodes.GetArrayLength().ShouldBe(1);
        nodes[0].GetProperty("name").GetString().ShouldBe("web-node");
        nodes[0].GetProperty("queues").GetProperty("default").GetProperty("slots").GetInt32().ShouldBe(2);
        (await http.GetAsync("healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync("")).Content.Headers.ContentType!.MediaType.ShouldBe("text/html");

        (await serve.TerminateAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, serve.Output);
    }

    [Fact]
    public async Task Serve_with_a_key_from_the_environment_needs_it_on_the_api()
    {
        await using var store = TestStore.Create("sqlite");
        await using var serve = await ServeProcess.StartAsync(store.Url, environment: new Dictionary<string, string> { ["CONVEYOR_API_KEY"] = "k-123" });
        using var http = new HttpClient { BaseAddress = serve.Root };
        (await http.GetAsync("api/queues")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "k-123");
        (await http.GetAsync("api/queues")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Serve_on_a_port_in_use_exits_1_with_one_line()
    {
        await using var store = TestStore.Create("sqlite");
        await using var first = await ServeProcess.StartAsync(store.Url);
        var result = await ConveyorCli.RunAsync(store.Url, "serve", "--urls", first.Root.GetLeftPart(UriPartial.Authority));
        result.ExitCode.ShouldBe(1, result.Stdout + result.Stderr);
        result.Stderr.Trim().ShouldStartWith("conveyor: cannot listen on");
        result.Stderr.Trim().Split('\n').Length.ShouldBe(1, result.Stderr);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://127.0.0.1:0;http://192.168.1.10:80")]
    public async Task Serve_refuses_a_non_loopback_address_without_a_key(string urls)
    {
        await using var store = TestStore.Create("sqlite");
        var result = await ConveyorCli.RunAsync(store.Url, "serve", "--urls", urls);
        result.ExitCode.ShouldBe(2, result.Stdout + result.Stderr);
        result.Stderr.ShouldContain("without an API key");
        result.Stderr.ShouldContain("--insecure");
        result.Stdout.ShouldBeEmpty();
    }
}
