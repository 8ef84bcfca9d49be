using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Conveyor.Web.Tests.Support;

/// <summary>A logger provider that keeps each entry with the values of every scope around it (as providers that record scopes do).</summary>
public sealed class LogRecorder : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>One log entry: its message and the scope values in force, outermost first.</summary>
    public sealed record Entry(string Category, string Message, IReadOnlyList<KeyValuePair<string, object?>> Scope);

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogRecorder recorder, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => recorder._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new List<KeyValuePair<string, object?>>();
            recorder._scopes.ForEachScope((value, list) =>
            {
                if (value is IEnumerable<KeyValuePair<string, object?>> pairs) list.AddRange(pairs);
            }, scope);
            recorder._entries.Enqueue(new Entry(category, formatter(state, exception), scope));
        }
    }
}
