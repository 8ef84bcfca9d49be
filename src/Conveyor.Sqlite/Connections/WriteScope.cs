namespace Conveyor.Sqlite.Connections;

/// <summary>
/// What one write operation sees: the session inside the open write transaction, and a place to
/// note queues that received available jobs (announced only once the transaction commits).
/// </summary>
internal sealed class WriteScope(SqliteSession session)
{
    private List<string>? _queues;

    public SqliteSession Session { get; } = session;

    /// <summary>Notes that <paramref name="queue"/> has jobs to claim once this operation commits.</summary>
    public void JobsAvailable(string queue)
    {
        _queues ??= [];
        if (!_queues.Contains(queue, StringComparer.Ordinal))
            _queues.Add(queue);
    }

    public IReadOnlyList<string> AvailableQueues => (IReadOnlyList<string>?)_queues ?? [];

    /// <summary>Forgets the noted queues (the operation was rolled back).</summary>
    public void Discard() => _queues = null;
}
