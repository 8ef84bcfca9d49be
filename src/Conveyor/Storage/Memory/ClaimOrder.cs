namespace Conveyor.Storage.Memory;

/// <summary>The claim order of the SPI: priority descending, then run_at, then id. Ids are unique, so it is total.</summary>
internal sealed class ClaimOrder : IComparer<MemoryJob>
{
    public static readonly ClaimOrder Instance = new();

    private ClaimOrder()
    {
    }

    public int Compare(MemoryJob? x, MemoryJob? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var byPriority = y.Priority.CompareTo(x.Priority);
        if (byPriority != 0) return byPriority;
        var byRunAt = x.RunAt.UtcTicks.CompareTo(y.RunAt.UtcTicks);
        return byRunAt != 0 ? byRunAt : x.Id.CompareTo(y.Id);
    }
}
