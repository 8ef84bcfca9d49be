using System.Reflection;
using Conveyor.Storage;

namespace Conveyor.Tests.Support;

/// <summary>Wraps a real store; every call of the named methods fails as if the database refused it.</summary>
public class FailingStore : DispatchProxy
{
    private IJobStore _inner = null!;
    private HashSet<string> _failing = [];

    public static IJobStore Wrap(IJobStore inner, params string[] failing)
    {
        var proxy = Create<IJobStore, FailingStore>();
        var store = (FailingStore)(object)proxy;
        store._inner = inner;
        store._failing = [.. failing];
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (_failing.Contains(targetMethod!.Name))
            return Task.FromException<int>(new InvalidOperationException($"{targetMethod.Name} failed (test)"));
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
