using System.Reflection;
using System.Text.RegularExpressions;

namespace Conveyor.Web.Tests.Support;

/// <summary>One of the programs of <c>samples/</c> (built beside the tests) running as a child process.</summary>
public sealed partial class SampleProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _child;

    private SampleProcess(ChildProcess child, Uri? root)
    {
        _child = child;
        Root = root;
    }

    public string Output => _child.Output;

    /// <summary>The first address it printed as "Now listening on:" (web apps only).</summary>
    public Uri? Root { get; }

    /// <summary>Starts the sample named <paramref name="name"/> (<c>WebApp</c>, <c>Worker</c>) with <paramref name="args"/> and extra environment.</summary>
    public static async Task<SampleProcess> StartAsync(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, bool waitForListening)
    {
        var dll = typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Sample" + name + "Path").Value!;
        if (!File.Exists(dll)) throw new InvalidOperationException($"the sample is not built: {dll} is missing");
        var start = ChildProcess.Dotnet(dll, args);
        start.WorkingDirectory = Path.GetDirectoryName(dll)!;
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var child = ChildProcess.Start(start);
        if (!waitForListening) return new SampleProcess(child, null);
        try
        {
            var listening = await child.WaitForOutputAsync(ListeningLine(), $"sample {name} listens", StartTimeout);
            return new SampleProcess(child, new Uri(listening.Groups[1].Value + "/"));
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _child.DisposeAsync();

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
