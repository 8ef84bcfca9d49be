using System.Collections.Concurrent;
using System.Reflection;
using Conveyor.Storage;

namespace Conveyor.Tests.Support;

/// <summary>
/// Wraps a real store and records every call with its parameter record, so tests can check how the
/// engine talks to the store (claim sizes, batching) while the real store does the work.
/// </summary>
public class RecordingStore : DispatchProxy
{
    private IJobStore _inner = null!;

    public ConcurrentQueue<(string Method, object? Parameters)> Calls { get; } = new();

    public static (IJobStore Store, RecordingStore Recorder) Wrap(IJobStore inner)
    {
        var proxy = Create<IJobStore, RecordingStore>();
        var recorder = (RecordingStore)(object)proxy;
        recorder._inner = inner;
        return (proxy, recorder);
    }

    public IEnumerable<T> ParametersOf<T>() => Calls.Select(c => c.Parameters).OfType<T>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        Calls.Enqueue((targetMethod!.Name, args is { Length: > 0 } ? args[0] : null));
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
