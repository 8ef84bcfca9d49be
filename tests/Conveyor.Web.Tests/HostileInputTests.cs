using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conveyor.Web.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Conveyor.Web.Tests;

/// <summary>
/// Hostile requests to a real server (Kestrel on 127.0.0.1) with a running node: every one answers a clear status with the
/// error body, nothing is half-stored (jobs are counted before and after), and the node keeps running jobs afterwards.
/// </summary>
public sealed class HostileInputTests
{
    private const int PayloadLimit = 16 * 1024;

    private static async Task<long> CountJobsAsync(WebServer server) =>
        (await server.Monitor.ListQueuesAsync()).Sum(q => q.Counts.Values.Sum());

    private static Task<HttpResponseMessage> PostBytesAsync(WebServer server, string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return server.Http.PostAsync(path, content);
    }

    /// <summary>The node still runs jobs: one enqueued now succeeds with its args as the result.</summary>
    private static async Task NodeStillRunsJobsAsync(WebServer server)
    {
        (await server.Http.GetAsync("healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var response = await server.Http.PostJsonAsync("api/jobs", $$$"""{"kind": "{{{TestKinds.Echo}}}", "args": {"still": "running"}}""");
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await response.JsonAsync()).GetProperty("id").GetInt64();
        await server.WaitForStateAsync(id, JobState.Succeeded);
    }

    [Fact]
    public async Task Generated_hostile_bodies_answer_a_clear_status_and_store_a_job_only_when_they_say_so()
    {
        await using var server = await WebServer.StartAsync("sqlite", configure: o => o.MaxPayloadBytes = PayloadLimit, maxRequestBytes: 4 * PayloadLimit);
        var statuses = new Dictionary<int, int>();
        foreach (var body in HostileBodies().Sample(300))
        {
            var before = await CountJobsAsync(server);
            var response = await PostBytesAsync(server, "api/jobs", body);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync();
            var shown = Encoding.UTF8.GetString(body);
            status.ShouldBeOneOf([200, 201, 400, 413], $"{shown} → {status} {text}");
            using var answer = JsonDocument.Parse(text);
            var after = await CountJobsAsync(server);
            if (status == 201)
            {
                after.ShouldBe(before + 1, shown);
            }
            else
            {
                after.ShouldBe(before, $"{shown} → {status} {text}");
                if (status != 200) answer.RootElement.GetProperty("error").GetString().ShouldNotBeNullOrWhiteSpace();
            }
        }
        // The generator reaches both sides: bodies that are stored and bodies that are refused. About 1 in 30 random
        // bodies is valid (10 of 300 on average), so the floor is low enough never to trip on an unlucky sample.
        statuses.Values.Sum().ShouldBe(300);
        statuses.GetValueOrDefault(201).ShouldBeGreaterThanOrEqualTo(2, string.Join(", ", statuses));
        statuses.GetValueOrDefault(400).ShouldBeGreaterThan(10, string.Join(", ", statuses));
        await NodeStillRunsJobsAsync(server);
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Bytes_that_are_not_utf8_and_escapes_of_half_a_surrogate_pair_answer_400_and_store_nothing(string store)
    {
        await using var server = await WebServer.StartAsync(store);
        // Bytes that are not UTF-8 are refused for the whole body (no field); escapes of half a pair where they are read.
        (byte[] Body, string? Field)[] cases =
        [
            ([.. "{\"kind\": \"k\", \"args\": {\"a\": \""u8, 0xFF, 0xFE, .. "\"}}"u8], null),
            ([.. "{\"kind\": \"k\", \"orderingKey\": \""u8, 0xC0, 0xAF, .. "\"}"u8], null),
            ([.. "{\"kind\": \"k\", \"uniqueKey\": \""u8, 0xED, 0xA0, 0x80, .. "\"}"u8], null),
            ([.. "{\"kind\": \"k\", \""u8, 0x80, .. "\": 1}"u8], null),
            ("{\"kind\": \"k\", \"\\ud800\": 1}"u8.ToArray(), "body"),
            ("{\"kind\": \"k\", \"queue\": \"\\udc00\"}"u8.ToArray(), "body"),
            ("{\"kind\": \"k\", \"delay\": \"\\ud800\"}"u8.ToArray(), "body"),
            ("{\"kind\": \"k\", \"args\": {\"\\ud800\": 1}}"u8.ToArray(), "args"),
        ];
        foreach (var (body, field) in cases)
        {
            var message = await (await PostBytesAsync(server, "api/jobs", body)).ShouldBeErrorAsync(400, field);
            message.ShouldNotContain("server");
        }
        (await CountJobsAsync(server)).ShouldBe(0);
        await NodeStillRunsJobsAsync(server);
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Keys_no_store_can_keep_answer_400_naming_the_key_and_store_nothing(string store)
    {
        await using var server = await WebServer.StartAsync(store);
        await (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "orderingKey": "a\u0000b"}""")).ShouldBeErrorAsync(400, "orderingKey");
        await (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "uniqueKey": "\ud800"}""")).ShouldBeErrorAsync(400, "body");
        await (await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": [{"kind": "k"}, {"kind": "k", "uniqueKey": "\u0000"}]}""")).ShouldBeErrorAsync(400, "jobs[1].uniqueKey");
        await (await server.Http.PostJsonAsync("api/jobs", """{"kind": "a\u001b[2Jb"}""")).ShouldBeErrorAsync(400, "kind");
        await (await server.Http.PostJsonAsync("api/jobs", """{"kind": "k", "after": 2021405679}""")).ShouldBeErrorAsync(400, "after");
        await (await server.Http.PostJsonAsync("api/jobs/bulk", """{"jobs": [{"kind": "k"}, {"kind": "k", "after": 2021405679}]}""")).ShouldBeErrorAsync(400, "jobs[1].after");
        (await CountJobsAsync(server)).ShouldBe(0);
        await NodeStillRunsJobsAsync(server);
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Sql_metacharacters_and_control_characters_are_stored_verbatim_and_run(string store)
    {
        await using var server = await WebServer.StartAsync(store);
        const string Hostile = "'; DROP TABLE jobs; -- \" OR 1=1 -- %_\\ \u0001\u0007\u001b[2J 😀 naïve";
        var args = JsonSerializer.Serialize(new { text = Hostile, nested = new[] { Hostile } });
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = TestKinds.Echo, ["orderingKey"] = Hostile, ["uniqueKey"] = Hostile + "u", ["args"] = JsonDocument.Parse(args).RootElement,
        });

        var response = await server.Http.PostJsonAsync("api/jobs", body);

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.JsonAsync()).GetProperty("id").GetInt64();
        await server.WaitForStateAsync(id, JobState.Succeeded);
        var job = (await server.Jobs.GetAsync(id))!;
        job.OrderingKey.ShouldBe(Hostile);
        job.UniqueKey.ShouldBe(Hostile + "u");
        JsonDocument.Parse(job.ResultJson!).RootElement.GetProperty("text").GetString().ShouldBe(Hostile);
        var again = await server.Http.GetStringAsync($"api/jobs/{id}");
        JsonDocument.Parse(again).RootElement.GetProperty("args").GetProperty("nested")[0].GetString().ShouldBe(Hostile);
        (await CountJobsAsync(server)).ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task Args_at_the_payload_limit_are_stored_and_run_and_one_byte_more_answers_413(string store)
    {
        await using var server = await WebServer.StartAsync(store, configure: o => o.MaxPayloadBytes = PayloadLimit, maxRequestBytes: 4 * PayloadLimit);
        // {"t":"xxx…"} is 8 bytes around the text; multi-byte characters count in bytes.
        var atLimit = "{\"t\":\"" + new string('é', (PayloadLimit - 8) / 2) + "\"}";
        Encoding.UTF8.GetByteCount(atLimit).ShouldBe(PayloadLimit);
        var overLimit = "{\"t\":\"" + new string('é', (PayloadLimit - 8) / 2) + "x\"}";

        var refused = await server.Http.PostJsonAsync("api/jobs", $$"""{"kind": "{{TestKinds.Echo}}", "args": {{overLimit}}}""");
        (await refused.ShouldBeErrorAsync(413, "args")).ShouldContain(PayloadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await CountJobsAsync(server)).ShouldBe(0);

        var stored = await server.Http.PostJsonAsync("api/jobs", $$"""{"kind": "{{TestKinds.Echo}}", "args": {{atLimit}}}""");
        stored.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await stored.JsonAsync()).GetProperty("id").GetInt64();
        await server.WaitForStateAsync(id, JobState.Succeeded);
        var job = (await server.Jobs.GetAsync(id))!;
        JsonDocument.Parse(job.ResultJson!).RootElement.GetProperty("t").GetString()!.Length.ShouldBe((PayloadLimit - 8) / 2);
        (await CountJobsAsync(server)).ShouldBe(1);
    }

    /// <summary>Job bodies: valid ones with one field changed to a hostile value, and valid ones with bytes flipped, cut or inserted.</summary>
    private static Gen<byte[]> HostileBodies()
    {
        string[] fields = ["kind", "args", "queue", "priority", "runAt", "delay", "maxAttempts", "timeout", "orderingKey", "uniqueKey", "uniqueFor", "after", "colour"];
        var text = Gen.OneOf(
            Gen.Elements("k", "send_email", "a b", "'; DROP TABLE jobs; --", "\" OR 1=1 --", "%_", "naïve", "😀", "", "1h", "-5s", "2030-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z", new string('k', 129), new string('x', PayloadLimit)),
            Gen.Choose(0, 20).SelectMany(n => Gen.ListOf(Gen.Frequency(
                [(5, Gen.Choose(0x20, 0x7E).Select(i => (char)i)), (2, Gen.Choose(0, 0x1F).Select(i => (char)i)), (1, Gen.Choose(0, 0xFFFF).Select(i => (char)i))]), n))
                .Select(chars => new string([.. chars])));
        var value = Gen.OneOf(
            text.Select(Quote),
            Gen.Elements("null", "true", "0", "-1", "1.5", "1e400", "99999999999999999999", "[]", "{}", "[1,2]", "{\"a\":{\"b\":[null]}}",
                "{\"t\":\"" + new string('x', PayloadLimit) + "\"}"),
            Gen.Choose(int.MinValue, int.MaxValue).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var changed =
            from field in Gen.Elements(fields)
            from v in value
            from keep in Gen.Elements(true, false)
            select Encoding.UTF8.GetBytes(keep && field != "kind"
                ? $$"""{"kind": "test.noop", "args": {"n": 1}, "{{field}}": {{v}}}"""
                : $$"""{"{{field}}": {{v}}}""");
        var mutated =
            from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 2), Gen.Zip(Gen.Choose(0, 200), Gen.Choose(0, 255))), 3)
            select Mutate("""{"kind": "test.noop", "args": {"to": "a@example.com"}, "queue": "q1", "priority": 5, "delay": "1h", "uniqueKey": "u"}"""u8.ToArray(), edits);
        return Gen.Frequency([(3, changed), (1, mutated)]);
    }

    private static byte[] Mutate(byte[] seed, IEnumerable<(int, (int, int))> edits)
    {
        var bytes = seed.ToList();
        foreach (var (kind, (where, value)) in edits)
        {
            var at = where % bytes.Count;
            if (kind == 0) bytes[at] = (byte)value;
            else if (kind == 1) bytes.Insert(at, (byte)value);
            else if (bytes.Count > 1) bytes.RemoveAt(at);
        }
        return [.. bytes];
    }

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is '"' or '\\' || c < 0x20 || char.IsSurrogate(c)) quoted.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }
}
