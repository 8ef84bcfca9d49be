using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace Conveyor.Sqlite.Connections;

/// <summary>
/// Makes committed write groups durable outside SQLite's write lock. The writer commits with
/// <c>synchronous = NORMAL</c> (frames reach the WAL file, not yet the disk) and hands the committed
/// operations here; this thread flushes the WAL file (fsync) and only then reports them to their
/// callers. One flush covers every group committed before it began, so while the disk flushes, the
/// writer already runs and commits the next groups: a flush per burst instead of a flush per commit,
/// and the write lock is never held across one.
/// </summary>
/// <remarks>
/// What a flush of the WAL file guarantees is what SQLite's <c>FULL</c> does at each commit: the
/// committed frames are on the disk. Checkpoints (SQLite's, in NORMAL mode) flush the WAL before they
/// copy it into the database and flush the database before the WAL is reused, so a group whose frames
/// were checkpointed meanwhile is durable as well. The thread is dedicated because a flush is a
/// blocking system call that may take milliseconds; it is owned and stopped by the writer.
/// </remarks>
internal sealed class WalFlusher : IAsyncDisposable
{
    private volatile string? _walPath;
    private readonly ConcurrentQueue<WriteOperation> _pending = new();
    private readonly List<WriteOperation> _flushing = [];
    // The flusher thread sleeps on this only when it has nothing to flush; whoever clears _sleeping wakes it.
    private readonly AutoResetEvent _wake = new(false);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SafeFileHandle? _wal;
    private int _sleeping;
    private int _reopen;
    private volatile bool _stopping;
    private long _flushes;

    public WalFlusher()
    {
        new Thread(Run) { IsBackground = true, Name = "Conveyor SQLite WAL flusher" }.Start();
    }

    /// <summary>Flushes done so far (for tests and diagnostics).</summary>
    public long Flushes => Volatile.Read(ref _flushes);

    /// <summary>Reports <paramref name="committed"/> to their callers once the next flush has finished.</summary>
    /// <remarks>Call only after their transaction committed: a flush covers what was written before it began.</remarks>
    public void AfterNextFlush(List<WriteOperation> committed)
    {
        foreach (var operation in committed)
            _pending.Enqueue(operation);
        WakeIfSleeping();
    }

    /// <summary>The WAL file SQLite writes, as its connection names it (it follows symbolic links).</summary>
    public string? WalPath => _walPath;

    /// <summary>
    /// The writer opened its connection, whose WAL is <paramref name="walPath"/>. Called again when the writer
    /// replaces a broken connection: the WAL file may have been removed with the old one (after a checkpoint
    /// that made its content durable) and recreated, so the next flush opens it again.
    /// </summary>
    public void ConnectionOpened(string walPath)
    {
        _walPath = walPath;
        Volatile.Write(ref _reopen, 1);
    }

    /// <summary>Flushes and reports what is pending, then ends the thread. Call after the writer stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        WakeIfSleeping();
        await _stopped.Task.ConfigureAwait(false);
        _wake.Dispose();
    }

    // Lock-free hand-over: the writer never waits for the flusher, and signals it only when it sleeps.
    // The exchange is also the full fence that orders the caller's enqueue (or stop) before the check.
    private void WakeIfSleeping()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) != 0)
            _wake.Set();
    }

    private void Run()
    {
        try
        {
            FlushUntilStopped();
        }
        finally
        {
            _wal?.Dispose();
            _wal = null;
            _stopped.TrySetResult();
        }
    }

    private void FlushUntilStopped()
    {
        while (true)
        {
            while (_pending.TryDequeue(out var operation))
                _flushing.Add(operation);
            if (_flushing.Count == 0)
            {
                if (_stopping)
                    return;
                Sleep();
                continue;
            }
            Exception? failure = null;
            try
            {
                Flush(Interlocked.Exchange(ref _reopen, 0) != 0);
                Interlocked.Increment(ref _flushes);
            }
            catch (Exception exception)
            {
                failure = new IOException(
                    $"the SQLite store committed this operation but could not flush '{_walPath}' to the disk; it may not survive a power loss", exception);
            }
            foreach (var operation in _flushing)
            {
                if (failure is null)
                    operation.Complete();
                else
                    operation.Fail(failure);
            }
            _flushing.Clear();
        }
    }

    /// <summary>Waits until an operation or the stop arrives (or returns at once if one just did).</summary>
    private void Sleep()
    {
        Interlocked.Exchange(ref _sleeping, 1);
        if (_pending.IsEmpty && !_stopping)
        {
            _wake.WaitOne();
            return;
        }
        // Work arrived meanwhile. If a writer already cleared the flag it has set (or will set) the event:
        // consume that signal, or a later sleep would return at once for nothing.
        if (Interlocked.Exchange(ref _sleeping, 0) == 0)
            _wake.WaitOne();
    }

    private void Flush(bool reopen)
    {
        if (reopen && _wal is not null)
        {
            // The old handle may point at a WAL file the old connection removed: flush it all the same
            // (harmless), then follow the path to the file SQLite writes now.
            RandomAccess.FlushToDisk(_wal);
            _wal.Dispose();
            _wal = null;
        }
        if (_wal is null)
        {
            var walPath = _walPath ?? throw new InvalidOperationException("no WAL to flush: the writer has not opened its connection");
            try
            {
                // Read-write because Windows flushes only handles open for writing; nothing is written.
                _wal = File.OpenHandle(walPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
                // No WAL file: the last connection checkpointed it into the database (flushing the
                // database) and removed it, so everything committed is on the disk already.
                return;
            }
        }
        RandomAccess.FlushToDisk(_wal);
    }
}
