using System.Collections.Concurrent;
using Conveyor.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Tests.Engine;

// What a handler logs carries the attempt's job id, kind, queue and attempt in scope.
public sealed class LogScopeTests
{
    [Fact]
    public async Task AHandlersLogEntries_CarryTheJobIdKindQueueAndAttempt_InScope()
    {
        var provider = new ScopeRecordingProvider();
        await using var node = TestNode.Create(
            b => b.AddJob("test.logs", (ILogger<LogScopeTests> log, JobContext job) =>
            {
                if (job.Attempt == 1) throw new InvalidOperationException("again");
                log.LogInformation("working");
            }),
            services: s => s.AddLogging(l => l.AddProvider(provider)));
        var id = (await node.Client.EnqueueAsync(new JobRequest("test.logs", "{}", new JobOptions { Queue = "default" }))).Id;
        await node.StartAsync();

        (await node.WaitAsync(id)).State.ShouldBe(JobState.Succeeded);

        var entry = provider.Entries.Single(e => e.Message == "working");
        entry.Scope["JobId"].ShouldBe(id);
        entry.Scope["JobKind"].ShouldBe("test.logs");
        entry.Scope["Queue"].ShouldBe("default");
        entry.Scope["Attempt"].ShouldBe(2);
        provider.Entries.Where(e => e.Message.StartsWith("Node ", StringComparison.Ordinal)).ShouldAllBe(e => e.Scope.Count == 0);
    }

    private sealed class ScopeRecordingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Message, Dictionary<string, object?> Scope)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Recorder(ScopeRecordingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>();
                owner._scopes.ForEachScope((s, into) =>
                {
                    if (s is IEnumerable<KeyValuePair<string, object?>> pairs)
                        foreach (var (key, value) in pairs) into[key] = value;
                }, scope);
                owner.Entries.Enqueue((formatter(state, exception), scope));
            }
        }
    }
}
