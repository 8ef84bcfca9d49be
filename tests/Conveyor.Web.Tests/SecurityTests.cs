using System.Net;
using System.Net.Http.Headers;
using Conveyor.Web.Tests.Support;

namespace Conveyor.Web.Tests;

/// <summary>The API key and the refusal of cross-site requests, over real HTTP.</summary>
public sealed class SecurityTests
{
    private const string Key = "s3cret-key-for-tests";

    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task With_a_key_every_api_request_needs_the_bearer_key(string store)
    {
        await using var server = await WebServer.StartAsync(store, apiKey: Key, worker: false);
        var anonymous = await server.Http.GetAsync("api/jobs");
        await anonymous.ShouldBeErrorAsync(401, null);
        anonymous.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
        await (await Send(server, HttpMethod.Post, "api/jobs", "Bearer wrong-key", """{"kind": "k"}""")).ShouldBeErrorAsync(401, null);
        await (await Send(server, HttpMethod.Post, "api/jobs", "Bearer " + Key[..^1], """{"kind": "k"}""")).ShouldBeErrorAsync(401, null);
        await (await Send(server, HttpMethod.Get, "api/openapi.json", "Basic " + Key, null)).ShouldBeErrorAsync(401, null);
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();

        (await Send(server, HttpMethod.Post, "api/jobs", "Bearer " + Key, """{"kind": "k"}""")).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await Send(server, HttpMethod.Get, "api/queues", "bearer " + Key, null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Send(server, HttpMethod.Get, "api/openapi.json", "Bearer " + Key, null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The dashboard's files and the health check hold no data: they are served without the key.
        (await server.Http.GetAsync("")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.Http.GetAsync("healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_state_changing_request_from_another_site_is_refused_and_changes_nothing()
    {
        await using var server = await WebServer.StartAsync("sqlite", worker: false);
        var id = (await server.Jobs.EnqueueAsync(new JobRequest("k"))).Id;

        var fromElsewhere = new HttpRequestMessage(HttpMethod.Post, $"api/jobs/{id}/cancel");
        fromElsewhere.Headers.Add("Origin", "http://evil.example");
        await (await server.Http.SendAsync(fromElsewhere)).ShouldBeErrorAsync(403, null);

        var sameSiteOtherPort = new HttpRequestMessage(HttpMethod.Delete, $"api/jobs/{id}");
        sameSiteOtherPort.Headers.Add("Sec-Fetch-Site", "same-site");
        await (await server.Http.SendAsync(sameSiteOtherPort)).ShouldBeErrorAsync(403, null);

        var crossSiteEnqueue = new HttpRequestMessage(HttpMethod.Post, "api/jobs") { Content = new StringContent("""{"kind": "evil"}""", null, "application/json") };
        crossSiteEnqueue.Headers.Add("Sec-Fetch-Site", "cross-site");
        await (await server.Http.SendAsync(crossSiteEnqueue)).ShouldBeErrorAsync(403, null);

        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Available);
        (await server.Jobs.ListAsync(new JobQuery())).Jobs.Count.ShouldBe(1);

        // The dashboard's own requests (same origin) and programs (no Origin at all) pass.
        var sameOrigin = new HttpRequestMessage(HttpMethod.Post, $"api/jobs/{id}/cancel");
        sameOrigin.Headers.Add("Origin", server.Root.GetLeftPart(UriPartial.Authority));
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");
        (await server.Http.SendAsync(sameOrigin)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Cancelled);

        // Behind a proxy that ends TLS the page's origin is https while the server sees http: the browser's
        // same-origin verdict stands; without that header, the Origin's host and port must match.
        var proxied = new HttpRequestMessage(HttpMethod.Post, $"api/jobs/{id}/retry");
        proxied.Headers.Add("Origin", "https://" + server.Root.Authority);
        proxied.Headers.Add("Sec-Fetch-Site", "same-origin");
        (await server.Http.SendAsync(proxied)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var oldBrowser = new HttpRequestMessage(HttpMethod.Post, $"api/jobs/{id}/cancel");
        oldBrowser.Headers.Add("Origin", "http://" + server.Root.Authority);
        (await server.Http.SendAsync(oldBrowser)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var otherPort = new HttpRequestMessage(HttpMethod.Post, $"api/jobs/{id}/retry");
        otherPort.Headers.Add("Origin", $"http://{server.Root.Host}:1");
        await (await server.Http.SendAsync(otherPort)).ShouldBeErrorAsync(403, null);
        (await server.Jobs.GetAsync(id))!.State.ShouldBe(JobState.Cancelled);
    }

    private static Task<HttpResponseMessage> Send(WebServer server, HttpMethod method, string path, string authorization, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (json is not null) request.Content = new StringContent(json, null, new MediaTypeHeaderValue("application/json"));
        return server.Http.SendAsync(request);
    }
}
