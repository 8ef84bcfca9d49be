using Conveyor.Storage;

namespace Conveyor.Postgres.Jobs;

/// <summary>
/// Group commit for small enqueues: concurrent <c>InsertManyAsync</c> calls that need no lookup (no unique
/// key, no <c>after</c>, no caller transaction) are written together, one statement and one commit for all
/// the calls waiting at that moment. A commit waits for a WAL flush, so on most disks a few thousand
/// single-row transactions a second is the ceiling; sharing the flush lifts it without adding latency:
/// the first call is sent at once, and calls that arrive while a write is in flight go in the next one.
/// </summary>
/// <remarks>
/// A combined write that fails is retried call by call, so one bad call (say, args that jsonb refuses)
/// fails alone. A call cancelled before its write starts is dropped; once its write started it completes.
/// The flush loop runs only while calls are waiting; <see cref="DisposeAsync"/> waits for it.
/// </remarks>
internal sealed class InsertCombiner(Func<IReadOnlyList<NewJob>, IReadOnlyList<DateTimeOffset>, CancellationToken, Task<IReadOnlyList<InsertedJob>>> write) : IAsyncDisposable
{
    /// <summary>The most rows written by one combined statement.</summary>
    public const int MaxRowsPerWrite = 5000;

    /// <summary>Calls with at least this many jobs are written on their own (they fill a statement already).</summary>
    public const int SoloThreshold = 500;

    private readonly Lock _gate = new();
    private readonly Queue<Request> _pending = new();
    private Task _flushing = Task.CompletedTask;
    private bool _running;
    private bool _disposed;

    public Task<IReadOnlyList<InsertedJob>> InsertAsync(InsertJobsParams parameters, CancellationToken cancellationToken)
    {
        var request = new Request(parameters);
        // Registered before the request can be taken: a cancellation either drops it or comes too late to matter.
        if (cancellationToken.CanBeCanceled)
            request.Cancellation = cancellationToken.Register(static state => ((Request)state!).TryCancel(), request);
        lock (_gate)
        {
            if (_disposed)
            {
                request.Cancellation.Dispose();
                throw new ObjectDisposedException(nameof(InsertCombiner));
            }
            _pending.Enqueue(request);
            // The flag, not the task's state: a loop that found nothing to do clears it under this lock,
            // before its task has completed.
            if (!_running)
            {
                _running = true;
                _flushing = Task.Run(FlushAsync, CancellationToken.None);
            }
        }
        return request.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        Task flushing;
        lock (_gate)
        {
            _disposed = true;
            flushing = _flushing;
        }
        await flushing.ConfigureAwait(false);
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            var taken = new List<Request>();
            var rows = 0;
            lock (_gate)
            {
                while (_pending.TryPeek(out var next) && (taken.Count == 0 || rows + next.Parameters.Jobs.Count <= MaxRowsPerWrite))
                {
                    _pending.Dequeue();
                    if (!next.TryTake())
                        continue;
                    taken.Add(next);
                    rows += next.Parameters.Jobs.Count;
                }
                if (taken.Count == 0)
                {
                    _running = false;
                    return;
                }
            }
            try
            {
                await WriteAsync(taken, rows).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Not expected (writes report their own failures); never leave a caller waiting or the loop stopped.
                foreach (var request in taken)
                    request.Fail(e);
            }
        }
    }

    private async Task WriteAsync(List<Request> requests, int rows)
    {
        if (requests.Count == 1)
        {
            await WriteOneAsync(requests[0]).ConfigureAwait(false);
            return;
        }
        var jobs = new List<NewJob>(rows);
        var times = new List<DateTimeOffset>(rows);
        foreach (var request in requests)
        {
            foreach (var job in request.Parameters.Jobs)
            {
                jobs.Add(job);
                times.Add(request.Parameters.Now);
            }
        }
        IReadOnlyList<InsertedJob> inserted;
        try
        {
            inserted = await write(jobs, times, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Nothing of the combined write was committed: let each call succeed or fail on its own.
            foreach (var request in requests)
                await WriteOneAsync(request).ConfigureAwait(false);
            return;
        }
        var offset = 0;
        foreach (var request in requests)
        {
            var count = request.Parameters.Jobs.Count;
            var own = new InsertedJob[count];
            for (var i = 0; i < count; i++)
                own[i] = inserted[offset + i];
            offset += count;
            request.Complete(own);
        }
    }

    private async Task WriteOneAsync(Request request)
    {
        try
        {
            var times = Enumerable.Repeat(request.Parameters.Now, request.Parameters.Jobs.Count).ToArray();
            request.Complete(await write(request.Parameters.Jobs, times, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            request.Fail(e);
        }
    }

    private sealed class Request(InsertJobsParams parameters)
    {
        private const int Waiting = 0, Taken = 1, Cancelled = 2;
        private int _state;

        public InsertJobsParams Parameters { get; } = parameters;

        public TaskCompletionSource<IReadOnlyList<InsertedJob>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Cancellation { get; set; }

        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

        public void TryCancel()
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting)
                Completion.TrySetCanceled();
        }

        public void Complete(IReadOnlyList<InsertedJob> inserted)
        {
            Cancellation.Dispose();
            Completion.TrySetResult(inserted);
        }

        public void Fail(Exception exception)
        {
            Cancellation.Dispose();
            Completion.TrySetException(exception);
        }
    }
}
