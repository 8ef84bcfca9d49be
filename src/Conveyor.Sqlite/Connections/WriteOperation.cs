namespace Conveyor.Sqlite.Connections;

/// <summary>One queued write: runs inside the writer's transaction and reports once it committed.</summary>
internal abstract class WriteOperation
{
    private const int Pending = 0;
    private const int Started = 1;
    private const int Cancelled = 2;

    private int _state;

    /// <summary>Claims the operation for execution; false when its caller cancelled it while it waited.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Pending) == Pending;

    /// <summary>Claims the operation for cancellation; false once the writer started it.</summary>
    protected bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Pending) == Pending;

    /// <summary>
    /// True when the caller learns of the commit only once it is on the disk (with
    /// <see cref="SqliteSynchronousMode.Full"/>); false when the commit is enough.
    /// </summary>
    public bool Durable { get; protected init; }

    /// <summary>The failure of this operation (its savepoint was rolled back), if any.</summary>
    public Exception? Failure { get; protected set; }

    /// <summary>Runs the work; on failure records it in <see cref="Failure"/> and rethrows.</summary>
    public abstract void Execute(WriteScope scope);

    /// <summary>Reports the result (or the recorded failure) to the caller after the commit.</summary>
    public abstract void Complete();

    /// <summary>Reports that the whole transaction failed.</summary>
    public abstract void Fail(Exception exception);
}

/// <summary>A write that returns a <typeparamref name="T"/>.</summary>
internal sealed class WriteOperation<T> : WriteOperation
{
    private readonly Func<WriteScope, T> _work;
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _registration;
    private T? _result;

    public WriteOperation(Func<WriteScope, T> work, bool durable, CancellationToken cancellationToken)
    {
        _work = work;
        Durable = durable;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var operation = (WriteOperation<T>)state!;
                if (operation.TryCancel())
                    operation._completion.TrySetCanceled(token);
            }, this);
        }
    }

    public Task<T> Task => _completion.Task;

    public override void Execute(WriteScope scope)
    {
        try
        {
            _result = _work(scope);
        }
        catch (Exception exception)
        {
            Failure = exception;
            throw;
        }
    }

    public override void Complete()
    {
        _registration.Dispose();
        if (Failure is { } failure)
            _completion.TrySetException(failure);
        else
            _completion.TrySetResult(_result!);
    }

    public override void Fail(Exception exception)
    {
        _registration.Dispose();
        _completion.TrySetException(Failure ?? exception);
    }
}
