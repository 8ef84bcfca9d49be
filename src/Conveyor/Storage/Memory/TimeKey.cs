namespace Conveyor.Storage.Memory;

/// <summary>A job's place in an index ordered by a time (lease end, finish time), ties broken by id.</summary>
internal readonly record struct TimeKey(long Ticks, long Id) : IComparable<TimeKey>
{
    public int CompareTo(TimeKey other) =>
        Ticks != other.Ticks ? Ticks.CompareTo(other.Ticks) : Id.CompareTo(other.Id);
}
