namespace Conveyor.Handlers;

/// <summary>Turns whatever a delegate handler returned (void, a value, Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;) into its result.</summary>
internal static class ResultUnwrapper
{
    public static Func<object?, Task<object?>> For(Type returnType)
    {
        if (returnType == typeof(void)) return _ => Task.FromResult<object?>(null);
        if (returnType == typeof(Task)) return async r => { await ((Task)r!).ConfigureAwait(false); return null; };
        if (returnType == typeof(ValueTask)) return async r => { await ((ValueTask)r!).ConfigureAwait(false); return null; };
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var resultProperty = returnType.GetProperty(nameof(Task<object>.Result))!;
            return async r =>
            {
                var task = (Task)r!;
                await task.ConfigureAwait(false);
                return resultProperty.GetValue(task);
            };
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = returnType.GetMethod(nameof(ValueTask<object>.AsTask))!;
            var unwrapTask = For(asTask.ReturnType);
            return r => unwrapTask(asTask.Invoke(r, null));
        }
        return r => Task.FromResult(r);
    }
}
