using System.Net;
using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Web.Tests.Support;

namespace Conveyor.Web.Tests;

/// <summary>The HTTP API over real HTTP (Kestrel on 127.0.0.1) on SQLite and PostgreSQL.</summary>
public sealed class ApiTests
{
    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Enqueue_answers_201_with_the_job_json_that_get_repeats_byte_for_byte(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        var response = await server.Http.PostJsonAsync("api/jobs",
            """{"kind": "send_email", "args": {"to": "a@example.com", "n": [1, 2]}, "queue": "smtp", "priority": 5, "maxAttempts": 3, "delay": "1h", "timeout": "30s", "orderingKey": "o1", "affinityKey": "tenant-7"}""");
        var created = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, created);
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetInt64();
        response.Headers.Location!.ToString().ShouldBe($"jobs/{id}");

        var job = (await server.Jobs.GetAsync(id))!;
        var expected = ApiJson.Render(w => ApiJson.WriteJob(w, job));
        created.ShouldBe(expected);
        (await server.Http.GetStringAsync($"api/jobs/{id}")).ShouldBe(expected);
        job.Kind.ShouldBe("send_email");
        job.Queue.ShouldBe("smtp");
        job.State.ShouldBe(JobState.Scheduled);
        job.Priority.ShouldBe(5);
        job.MaxAttempts.ShouldBe(3);
        job.Timeout.ShouldBe(TimeSpan.FromSeconds(30));
        job.OrderingKey.ShouldBe("o1");
        job.AffinityKey.ShouldBe("tenant-7");
        JsonDocument.Parse(created).RootElement.GetProperty("affinityKey").GetString().ShouldBe("tenant-7");
        JsonDocument.Parse(job.ArgsJson).RootElement.GetProperty("to").GetString().ShouldBe("a@example.com");
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task A_matching_unique_key_answers_200_with_the_existing_job(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        var first = await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "uniqueKey": "u-1"}""");
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var second = await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "uniqueKey": "u-1", "args": {"other": true}}""");
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.JsonAsync()).GetProperty("id").GetInt64().ShouldBe((await first.JsonAsync()).GetProperty("id").GetInt64());
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.Count.ShouldBe(1);
    }

    public static TheoryData<string, string?> BadJobs => new()
    {
        { """{"kind": "bad kind!"}""", "kind" },
        { """{"args": {}}""", "kind" },
        { """{"kind": 42}""", "kind" },
        { """{"kind": "k", "queue": "no spaces"}""", "queue" },
        { """{"kind": "k", "priority": 100000}""", "priority" },
        { """{"kind": "k", "priority": "high"}""", "priority" },
        { """{"kind": "k", "maxAttempts": 0}""", "maxAttempts" },
        { """{"kind": "k", "args": "a string"}""", "args" },
        { """{"kind": "k", "args": {"a": "\ud800"}}""", "args" },
        { """{"kind": "k", "args": {"a\u0000": 1}}""", "args" },
        { """{"kind": "k", "runAt": "2030-01-01T00:00:00"}""", "runAt" },
        { """{"kind": "k", "runAt": "2030-01-01T00:00:00Z", "delay": "1s"}""", "runAt" },
        { """{"kind": "k", "delay": "soon"}""", "delay" },
        { """{"kind": "k", "delay": "-5s"}""", "delay" },
        { """{"kind": "k", "timeout": "0s"}""", "timeout" },
        { """{"kind": "k", "uniqueFor": "1h"}""", "uniqueFor" },
        { """{"kind": "k", "after": "x"}""", "after" },
        { """{"kind": "k", "batch": 1}""", "batch" },
        { """{"kind": "k", "colour": "red"}""", "colour" },
        { """[{"kind": "k"}]""", "body" },
        { """{"kind": "k" """, null },
        { """{"kind": "k", "kind": "other"}""", "kind" },
        { """{"kind": "k", "batchId": 1}""", "batchId" },
    };

    [Fact]
    public async Task A_body_that_is_not_json_is_told_where_in_words_a_person_counts()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var error = await (await server.Http.PostJsonAsync("api/jobs", "{\n  \"kind\": nope}")).ShouldBeErrorAsync(400, null);
        error.ShouldStartWith("the body is not valid JSON: ");
        error.ShouldContain("(line 2, column ");
        error.ShouldNotContain("LineNumber");
    }

    [Theory]
    [MemberData(nameof(BadJobs))]
    public async Task Bad_input_answers_400_naming_the_field_and_stores_nothing(string body, string? field)
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        await (await server.Http.PostJsonAsync("api/jobs", body)).ShouldBeErrorAsync(400, field);
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task A_full_queue_answers_429_to_every_enqueue_and_stores_nothing(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        await server.Monitor.SetQueueLimitsAsync("default", new QueueLimits(MaxBacklog: 2));
        (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k"}""")).StatusCode.ShouldBe(HttpStatusCode.Created);

        await (await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": [{"kind": "k"}, {"kind": "k"}]}""")).ShouldBeErrorAsync(429, "queue");
        await (await server.Http.PostJsonAsync("api/batches", """{"children": [{"kind": "k"}, {"kind": "k", "queue": "other"}], "then": {"kind": "k"}}""")).ShouldBeErrorAsync(429, "queue");
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.Count.ShouldBe(1);

        (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k"}""")).StatusCode.ShouldBe(HttpStatusCode.Created);
        var full = await server.Http.PostJsonAsync("api/jobs", """{"kind": "k"}""");
        await full.ShouldBeErrorAsync(429, "queue");
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Bad_input_on_postgres_answers_400_and_stores_nothing()
    {
        await using var server = await WebServer.StartAsync("postgres", worker: false);
        await (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "maxAttempts": 0}""")).ShouldBeErrorAsync(400, "maxAttempts");
        await (await server.Http.PostJsonAsync("api/jobs", $$"""{"kind": "k", "affinityKey": "{{new string('a', 256)}}"}""")).ShouldBeErrorAsync(400, "affinityKey");
        // JSON allows these escapes; PostgreSQL's jsonb refuses them, so the validator does first.
        await (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "args": {"text": "\ud800"}}""")).ShouldBeErrorAsync(400, "args");
        await (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "args": ["\u0000"]}""")).ShouldBeErrorAsync(400, "args");
        await (await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": [{"kind": "k"}, {"kind": "k", "priority": 5000}]}""")).ShouldBeErrorAsync(400, "jobs[1].priority");
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Args_over_the_payload_limit_and_bodies_over_the_request_limit_answer_413(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false, configure: o => o.MaxPayloadBytes = 1024, maxRequestBytes: 4096);
        var big = new string('x', 2000);
        await (await server.Http.PostJsonAsync("api/jobs", $$$"""{"kind": "k", "args": {"text": "{{{big}}}"}}""")).ShouldBeErrorAsync(413, "args");
        await (await server.Http.PostJsonAsync("api/jobs/bulk", $$$"""{"jobs": [{"kind": "k"}, {"kind": "k", "args": {"text": "{{{big}}}"}}]}""")).ShouldBeErrorAsync(413, "jobs[1].args");
        var huge = new string('y', 5000);
        await (await server.Http.PostJsonAsync("api/jobs", $$$"""{"kind": "k", "args": {"text": "{{{huge}}}"}}""")).ShouldBeErrorAsync(413, null);
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_body_that_is_not_json_answers_415_and_stores_nothing()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var form = await server.Http.PostAsync("api/jobs", new FormUrlEncodedContent([new KeyValuePair<string, string>("kind", "k")]));
        await form.ShouldBeErrorAsync(415, null);
        var text = await server.Http.PostAsync("api/jobs/bulk", new StringContent("""{"jobs": [{"kind": "k"}]}""", System.Text.Encoding.UTF8, "text/plain"));
        await text.ShouldBeErrorAsync(415, null);
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Bulk_enqueue_answers_201_with_the_ids_in_order_and_a_bad_job_stores_none(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        await (await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": [{"kind": "a"}, {"kind": "b", "maxAttempts": 0}]}""")).ShouldBeErrorAsync(400, "jobs[1].maxAttempts");
        await (await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": []}""")).ShouldBeErrorAsync(400, "jobs");
        await (await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": {}}""")).ShouldBeErrorAsync(400, "jobs");
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();

        var response = await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": [{"kind": "a", "args": {"n": 1}}, {"kind": "b", "queue": "q2"}, {"kind": "c"}]}""");
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var ids = (await response.JsonAsync()).GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToList();
        ids.Count.ShouldBe(3);
        (await server.Jobs.GetAsync(ids[0]))!.Kind.ShouldBe("a");
        (await server.Jobs.GetAsync(ids[1]))!.Queue.ShouldBe("q2");
        (await server.Jobs.GetAsync(ids[2]))!.Kind.ShouldBe("c");
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task List_pages_by_cursor_filters_and_matches_the_client_bytes(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
            ids.Add((await server.Jobs.EnqueueAsync(new JobRequest(i % 2 == 0 ? "even" : "odd", "{}", new JobOptions { Queue = i < 3 ? "q1" : "q2" }))).Id);

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var path = "api/jobs?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var body = await server.Http.GetStringAsync(path);
            var page = await server.Jobs.ListAsync(new JobQuery { Limit = 2, Cursor = cursor });
            body.ShouldBe(ApiJson.Render(w => ApiJson.WriteJobPage(w, page)));
            var root = JsonDocument.Parse(body).RootElement;
            seen.AddRange(root.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()));
            cursor = root.GetProperty("next").ValueKind == JsonValueKind.Null ? null : root.GetProperty("next").GetString();
        }
        while (cursor is not null);
        seen.ShouldBe(Enumerable.Reverse(ids).ToList());

        var odd = (await (await server.Http.GetAsync("api/jobs?kind=odd")).JsonAsync()).GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64());
        odd.ShouldBe([ids[3], ids[1]]);
        var q2 = (await (await server.Http.GetAsync("api/jobs?queue=q2&state=available")).JsonAsync()).GetProperty("jobs").GetArrayLength();
        q2.ShouldBe(2);
        (await (await server.Http.GetAsync("api/jobs?state=dead")).JsonAsync()).GetProperty("jobs").GetArrayLength().ShouldBe(0);

        await (await server.Http.GetAsync("api/jobs?state=finished")).ShouldBeErrorAsync(400, "state");
        await (await server.Http.GetAsync("api/jobs?limit=0")).ShouldBeErrorAsync(400, "limit");
        await (await server.Http.GetAsync("api/jobs?limit=ten")).ShouldBeErrorAsync(400, "limit");
        await (await server.Http.GetAsync("api/jobs?cursor=abc")).ShouldBeErrorAsync(400, "cursor");
        await (await server.Http.GetAsync("api/jobs?kind=a%20b")).ShouldBeErrorAsync(400, "kind");
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Cancel_retry_and_delete_answer_the_job_404_or_409(string store)
    {
        await using var server = await WebServer.StartAsync(store, worker: false);
        var id = (await server.Jobs.EnqueueAsync(new JobRequest("k"))).Id;

        var cancelled = await server.Http.PostAsync($"api/jobs/{id}/cancel", null);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK);
        var afterCancel = (await server.Jobs.GetAsync(id))!;
        (await cancelled.Content.ReadAsStringAsync()).ShouldBe(ApiJson.Render(w => ApiJson.WriteJob(w, afterCancel)));
        (await cancelled.JsonAsync()).GetProperty("state").GetString().ShouldBe("cancelled");
        (await (await server.Http.PostAsync($"api/jobs/{id}/cancel", null)).ShouldBeErrorAsync(409, null)).ShouldContain("cancelled");

        var retried = await server.Http.PostAsync($"api/jobs/{id}/retry", null);
        retried.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await retried.JsonAsync()).GetProperty("state").GetString().ShouldBe("available");
        (await (await server.Http.PostAsync($"api/jobs/{id}/retry", null)).ShouldBeErrorAsync(409, null)).ShouldContain("available");

        (await server.Http.DeleteAsync($"api/jobs/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await server.Jobs.GetAsync(id)).ShouldBeNull();
        await (await server.Http.DeleteAsync($"api/jobs/{id}")).ShouldBeErrorAsync(404, null);
        await (await server.Http.GetAsync($"api/jobs/{id}")).ShouldBeErrorAsync(404, null);
        await (await server.Http.PostAsync($"api/jobs/{id}/retry", null)).ShouldBeErrorAsync(404, null);
        await (await server.Http.GetAsync("api/jobs/abc")).ShouldBeErrorAsync(400, "id");
        await (await server.Http.PostAsync("api/jobs/-1/cancel", null)).ShouldBeErrorAsync(400, "id");
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Queues_pause_and_resume_and_nodes_and_stats_show_the_cluster(string store)
    {
        await using var server = await WebServer.StartAsync(store);
        var id = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo, """{"x": 1}"""))).Id;
        await server.WaitForStateAsync(id, JobState.Succeeded);

        var queues = await server.Http.GetStringAsync("api/queues");
        var statuses = await server.Monitor.ListQueueStatusesAsync();
        queues.ShouldBe(ApiJson.Render(w => ApiJson.WriteQueues(w, statuses)));
        var queue = JsonDocument.Parse(queues).RootElement.GetProperty("queues")[0];
        queue.GetProperty("name").GetString().ShouldBe("default");
        queue.GetProperty("counts").GetProperty("succeeded").GetInt64().ShouldBe(1);
        queue.GetProperty("slots").GetInt32().ShouldBe(4);

        var paused = await server.Http.PostAsync("api/queues/default/pause", null);
        paused.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await paused.JsonAsync()).GetProperty("queues")[0].GetProperty("paused").GetBoolean().ShouldBeTrue();
        var waiting = (await server.Jobs.EnqueueAsync(new JobRequest(TestKinds.Echo))).Id;
        var resumed = await server.Http.PostAsync("api/queues/default/resume", null);
        (await resumed.JsonAsync()).GetProperty("queues")[0].GetProperty("paused").GetBoolean().ShouldBeFalse();
        await server.WaitForStateAsync(waiting, JobState.Succeeded);
        await (await server.Http.PostAsync("api/queues/bad%20name/pause", null)).ShouldBeErrorAsync(400, "queue");
        // A queue no job and no node has used is a likely typo: refused and not created, unless asked for.
        (await (await server.Http.PostAsync("api/queues/typo-q/pause", null)).ShouldBeErrorAsync(404, "name")).ShouldContain("?create=true");
        await (await server.Http.PostAsync("api/queues/typo-q/resume", null)).ShouldBeErrorAsync(404, "name");
        (await server.Monitor.ListQueueStatusesAsync()).ShouldNotContain(q => q.Queue.Name == "typo-q");
        var created = await server.Http.PostAsync("api/queues/later/pause?create=true", null);
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.Monitor.ListQueueStatusesAsync()).Single(q => q.Queue.Name == "later").Queue.Paused.ShouldBeTrue();

        var nodes = JsonDocument.Parse(await server.Http.GetStringAsync("api/nodes")).RootElement.GetProperty("nodes");
        nodes.GetArrayLength().ShouldBe(1);
        nodes[0].GetProperty("kinds").EnumerateArray().Select(k => k.GetString()).ShouldContain(TestKinds.Echo);
        nodes[0].GetProperty("queues").GetProperty("default").GetProperty("slots").GetInt32().ShouldBe(4);
        nodes[0].GetProperty("slots").GetInt32().ShouldBe(4);
        nodes[0].GetProperty("stopping").GetBoolean().ShouldBeFalse();
        await (await server.Http.PostAsync("api/nodes/nobody/stop", null)).ShouldBeErrorAsync(404, "name");
        var name = nodes[0].GetProperty("name").GetString()!;
        (await server.Http.PostAsync($"api/nodes/{Uri.EscapeDataString(name)}/stop", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        JsonDocument.Parse(await server.Http.GetStringAsync("api/nodes")).RootElement.GetProperty("nodes")[0].GetProperty("stopping").GetBoolean().ShouldBeTrue();

        var stats = JsonDocument.Parse(await server.Http.GetStringAsync("api/stats")).RootElement;
        stats.GetProperty("store").GetString().ShouldBe(store);
        stats.GetProperty("counts").GetProperty("succeeded").GetInt64().ShouldBe(2);
        stats.GetProperty("counts").GetProperty("dead").GetInt64().ShouldBe(0);
        stats.GetProperty("nodes").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Health_openapi_and_the_dashboard_are_served_under_the_prefix()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var health = await server.Http.GetAsync("healthz");
        health.StatusCode.ShouldBe(HttpStatusCode.OK);

        var openApi = JsonDocument.Parse(await server.Http.GetStringAsync("api/openapi.json")).RootElement;
        openApi.GetProperty("info").GetProperty("title").GetString().ShouldBe("Conveyor");
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldContain("/conveyor/api/jobs");
        paths.ShouldContain("/conveyor/api/jobs/{id}/retry");
        paths.ShouldContain("/conveyor/api/queues/{name}/pause");
        paths.ShouldNotContain("/conveyor/healthz");
        openApi.GetProperty("paths").GetProperty("/conveyor/api/jobs").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _).ShouldBeTrue();
        var submission = openApi.GetProperty("paths").GetProperty("/conveyor/api/jobs").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        submission.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldBe(["kind"]);
        submission.GetProperty("properties").GetProperty("priority").GetProperty("type").EnumerateArray().Select(t => t.GetString()).ShouldBe(["null", "integer"], ignoreOrder: true);
        var listParameters = openApi.GetProperty("paths").GetProperty("/conveyor/api/jobs").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        listParameters.ShouldBe(["state", "queue", "kind", "limit", "cursor"]);
        (await server.Http.GetAsync("api/v1.json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.Root };
        var bare = await noRedirect.GetAsync("conveyor");
        bare.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        bare.Headers.Location!.ToString().ShouldBe("/conveyor/");
        var page = await noRedirect.GetAsync("conveyor/");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("script-src 'self'");
        (await page.Content.ReadAsStringAsync()).ShouldContain("assets/app.js");
        (await noRedirect.GetAsync("conveyor/assets/app.js")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await noRedirect.GetAsync("conveyor/assets/nothing.js")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
