using Conveyor.Storage;

namespace Conveyor.Postgres.Jobs;

/// <summary>
/// What an insert must do besides writing rows: which advisory locks to take (ordering keys, unique keys)
/// and whether it must read the table first (unique keys, <c>after</c>).
/// </summary>
internal sealed class InsertPlan
{
    private InsertPlan(string[] lockKeys, string[] uniqueKeys, long[] parentIds)
    {
        LockKeys = lockKeys;
        UniqueKeys = uniqueKeys;
        ParentIds = parentIds;
    }

    /// <summary>
    /// The advisory lock keys, sorted so that every inserter (and the SQL <c>enqueue</c> function, which takes
    /// at most an ordering key then a unique key) locks in the same order and none waits for another in a circle.
    /// </summary>
    public string[] LockKeys { get; }

    /// <summary>Distinct unique keys to look up.</summary>
    public string[] UniqueKeys { get; }

    /// <summary>Distinct <c>after</c> parents to look up (and lock FOR SHARE).</summary>
    public long[] ParentIds { get; }

    public bool NeedsLookup => UniqueKeys.Length > 0 || ParentIds.Length > 0;

    public static InsertPlan For(IReadOnlyList<NewJob> jobs, string schema)
    {
        SortedSet<string>? locks = null;
        HashSet<string>? unique = null;
        HashSet<long>? parents = null;
        foreach (var job in jobs)
        {
            if (job.OrderingKey is { } orderingKey)
                (locks ??= new SortedSet<string>(StringComparer.Ordinal)).Add(LockKey(schema, 'o', orderingKey));
            if (job.UniqueKey is { } uniqueKey)
            {
                (locks ??= new SortedSet<string>(StringComparer.Ordinal)).Add(LockKey(schema, 'u', uniqueKey));
                (unique ??= new HashSet<string>(StringComparer.Ordinal)).Add(uniqueKey);
            }
            if (job.AfterJobId is { } parent)
                (parents ??= []).Add(parent);
        }
        return new InsertPlan(locks is null ? [] : [.. locks], unique is null ? [] : [.. unique], parents is null ? [] : [.. parents]);
    }

    /// <summary>The text hashed into the lock key; the SQL function builds the same (<c>SCHEMA:o:key</c>, <c>SCHEMA:u:key</c>).</summary>
    public static string LockKey(string schema, char kind, string key) => schema + ":" + kind + ":" + key;
}
