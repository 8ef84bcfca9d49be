namespace Conveyor.Storage.Memory;

/// <summary>
/// A ready job's place in the claim order of the SPI: priority descending, then run_at, then id. Ids are
/// unique, so the order is total.
/// </summary>
internal readonly record struct ClaimKey(int Priority, long RunAtTicks, long Id) : IComparable<ClaimKey>
{
    public static ClaimKey Of(MemoryJob job) => new(job.Priority, job.RunAt.UtcTicks, job.Id);

    public int CompareTo(ClaimKey other)
    {
        if (Priority != other.Priority) return other.Priority.CompareTo(Priority);
        if (RunAtTicks != other.RunAtTicks) return RunAtTicks.CompareTo(other.RunAtTicks);
        return Id.CompareTo(other.Id);
    }
}
