using System.CommandLine;
using Conveyor.Cli.Config;
using System.Net;
using Conveyor.Cli.Kinds;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Conveyor.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor serve</c>: a node (as <c>conveyor worker</c>) plus the dashboard and HTTP API at the root of
/// <c>--urls</c>. Binding a non-loopback address needs an API key (<c>--api-key</c> or <c>CONVEYOR_API_KEY</c>)
/// unless <c>--insecure</c> says the network is trusted. Prints the address it listens on once it does.
/// </summary>
internal sealed class ServeCommand(CliContext context)
{
    /// <summary>The address <c>serve</c> listens on when <c>--urls</c> is not given.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>The environment variable that holds the API key when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "CONVEYOR_API_KEY";

    private readonly Option<string> _urls = new("--urls")
    {
        Description = "Where to listen, separated by ';'",
        HelpName = "URL",
        DefaultValueFactory = _ => DefaultUrls,
    };
    private readonly NodeOptionSet _node = new();
    private readonly Option<string?> _apiKey = new("--api-key") { Description = $"Require Authorization: Bearer KEY on /api/* (or set {ApiKeyVariable})", HelpName = "KEY" };
    private readonly Option<bool> _insecure = new("--insecure") { Description = "Allow a non-loopback address without an API key (a trusted network only)" };

    public Command Build()
    {
        var command = new Command("serve", "Run a node with the dashboard and HTTP API; SIGINT/SIGTERM drain it")
        {
            _urls, _apiKey, _insecure,
        };
        _node.AddTo(command);
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var store = context.Store(parse);
        var worker = _node.Build(parse);
        var urlText = parse.GetValue(_urls)!;
        var urls = Urls(urlText);
        var apiKey = parse.GetValue(_apiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable);
        if (string.IsNullOrEmpty(apiKey) && !parse.GetValue(_insecure) && urls.FirstOrDefault(u => !IsLoopback(u)) is { } open)
            throw new UsageException($"refusing to serve {open} without an API key: it is reachable from other machines; give --api-key (or {ApiKeyVariable}), or --insecure on a trusted network");

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "conveyor" });
        builder.WebHost.UseKestrelCore().UseUrls(urlText.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.AddRoutingCore();
        NodeHosting.Configure(builder, context.Console, worker);
        builder.Services.AddConveyorWeb(o => o.ApiKey = apiKey);
        Config.QueueLimitsAtStart.Add(builder.Services, _node.Config(parse)?.Limits);
        builder.Services.AddConveyor(o => StoreSelector.Apply(store, o)).AddBuiltInKinds()
            .AddConfigured(_node.Config(parse), _node.ConfigPath(parse)).AddWorker(worker);

        await using var app = builder.Build();
        app.UseRouting();
        app.MapConveyor("");
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new OperationFailedException($"cannot listen on {string.Join(", ", urls)}: {e.Message}");
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
            context.Console.Out.WriteLine($"conveyor serve: dashboard and API at {address}/ (store {store})");
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private static List<Uri> Urls(string text)
    {
        var urls = new List<Uri>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (http://*:80, http://+:80) are not valid URI hosts; they mean every address.
            var normalized = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new UsageException($"bad URL '{part}' for --urls: use http://HOST:PORT");
            urls.Add(uri);
        }
        if (urls.Count == 0) throw new UsageException("--urls names no address");
        return urls;
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
