using System.Text;
using Conveyor.Storage;

namespace Conveyor.Dispatching;

/// <summary>
/// Who owns each affinity bucket of a queue: of the live nodes serving it, the one with the highest score for the pair
/// (bucket, node name) (rendezvous, or highest-random-weight, hashing). Every node computes the same from the same
/// list of names, with no coordination; when a node leaves only its buckets move (to the others, evenly), and a node
/// that joins takes about 1/N of the buckets, from every other node alike.
/// </summary>
internal static class Rendezvous
{
    /// <summary>The buckets <paramref name="self"/> owns among <paramref name="nodes"/> (which should include it).</summary>
    public static AffinityBuckets Owned(string self, IReadOnlyCollection<string> nodes)
    {
        var mine = NameHash(self);
        var others = nodes.Where(n => n != self).Select(NameHash).ToArray();
        var owned = new List<int>(AffinityBuckets.Count / Math.Max(1, others.Length + 1) + 64);
        for (var bucket = 0; bucket < AffinityBuckets.Count; bucket++)
        {
            var score = Score(bucket, mine);
            var best = true;
            foreach (var other in others)
            {
                var theirs = Score(bucket, other);
                // Ties (practically never) go to the smaller name hash, so exactly one node owns each bucket.
                if (theirs > score || (theirs == score && other < mine))
                {
                    best = false;
                    break;
                }
            }
            if (best) owned.Add(bucket);
        }
        return new AffinityBuckets(owned);
    }

    /// <summary>The owner of <paramref name="bucket"/> among <paramref name="nodes"/>.</summary>
    public static string Owner(int bucket, IEnumerable<string> nodes) =>
        nodes.OrderByDescending(n => Score(bucket, NameHash(n))).ThenBy(NameHash).First();

    private static ulong Score(int bucket, ulong nodeHash) => Mix(nodeHash ^ ((ulong)(bucket + 1) * 0x9E3779B97F4A7C15UL));

    /// <summary>FNV-1a (64 bits) of the name's UTF-8 bytes, mixed: stable across processes, unlike string.GetHashCode.</summary>
    private static ulong NameHash(string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return Mix(hash);
    }

    /// <summary>SplitMix64's finaliser: every input bit moves every output bit.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
