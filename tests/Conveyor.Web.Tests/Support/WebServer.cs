using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Web.Tests.Support;

/// <summary>
/// An ASP.NET Core app on Kestrel at 127.0.0.1 on a free port with Conveyor mounted at <see cref="Prefix"/> (and a node
/// running the test kinds unless <c>worker: false</c>), on a fresh <see cref="TestStore"/>.
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestStore _store;

    private WebServer(WebApplication app, TestStore store, string prefix, Uri root)
    {
        _app = app;
        _store = store;
        Prefix = prefix;
        Root = root;
        Http = new HttpClient { BaseAddress = new Uri(root, prefix.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        Jobs = app.Services.GetRequiredService<JobClient>();
        Monitor = app.Services.GetRequiredService<JobMonitor>();
    }

    /// <summary>Where Conveyor is mounted (<c>/conveyor</c>, or <c>""</c> for the root).</summary>
    public string Prefix { get; }

    /// <summary>The server's root URL (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Root { get; }

    /// <summary>The dashboard's URL (ends with <c>/</c>).</summary>
    public Uri Dashboard => Http.BaseAddress!;

    /// <summary>A client whose base address is the mount point: <c>GetAsync("api/jobs")</c>.</summary>
    public HttpClient Http { get; }

    /// <summary>The app's own client, to set up and check state beside the HTTP API.</summary>
    public JobClient Jobs { get; }

    public JobMonitor Monitor { get; }

    /// <summary>The store's URL, for CLI and worker child processes on the same store.</summary>
    public string StoreUrl => _store.Url;

    /// <summary>The app's services (health checks, the node).</summary>
    public IServiceProvider Services => _app.Services;

    public static async Task<WebServer> StartAsync(string storeKind, string prefix = "/conveyor", string? apiKey = null, bool worker = true,
        Action<ConveyorOptions>? configure = null, long? maxRequestBytes = null, string? nodeName = null, ILoggerProvider? logs = null)
    {
        var store = TestStore.Create(storeKind);
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (logs is not null) builder.Logging.AddProvider(logs);
            builder.Services.AddConveyorWeb(o =>
            {
                o.ApiKey = apiKey;
                if (maxRequestBytes is { } limit) o.MaxRequestBytes = limit;
            });
            var conveyor = builder.Services.AddConveyor(o =>
            {
                store.Apply(o);
                configure?.Invoke(o);
            }).AddTestKinds();
            if (worker)
                conveyor.AddWorker(w => { w.Queue("default", 4); w.PollInterval = TimeSpan.FromMilliseconds(200); w.Name = nodeName;
                    // Long enough that a stubborn handler past its timeout stays running while a test looks at it.
                    w.CancelGrace = TimeSpan.FromSeconds(30); });
            builder.Services.AddHealthChecks().AddConveyorHealthChecks();
            var app = builder.Build();
            app.MapConveyor(prefix);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new WebServer(app, store, prefix, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails after <paramref name="timeout"/> (default 30 s).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the job reaches <paramref name="state"/>.</summary>
    public Task WaitForStateAsync(long id, JobState state) =>
        WaitUntilAsync(async () => (await Jobs.GetAsync(id))?.State == state, $"job {id} is {state.ToWireName()}");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _store.DisposeAsync();
    }
}
