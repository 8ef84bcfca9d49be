using System.Text;

namespace Conveyor.Storage;

/// <summary>
/// A set of affinity buckets: a job's affinity key falls in one of <see cref="Count"/> buckets (<see cref="Of"/>), and
/// each node owns the buckets a rendezvous hash over the live nodes of the queue gives it. Immutable.
/// </summary>
public sealed class AffinityBuckets
{
    /// <summary>How many buckets there are: keys are spread over 0 … 4095.</summary>
    public const int Count = 4096;

    private readonly byte[] _bitmap;

    /// <summary>The set of <paramref name="buckets"/> (each 0 … <see cref="Count"/> − 1).</summary>
    public AffinityBuckets(IEnumerable<int> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        _bitmap = new byte[Count / 8];
        foreach (var bucket in buckets)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bucket, nameof(buckets));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, Count, nameof(buckets));
            _bitmap[bucket >> 3] |= (byte)(1 << (bucket & 7));
        }
    }

    /// <summary>
    /// The bucket of <paramref name="key"/>: FNV-1a (32 bits) of its UTF-8 bytes, modulo <see cref="Count"/>. A stable
    /// hash: every process and version computes the same (PostgreSQL's <c>affinity_bucket(text)</c> too).
    /// </summary>
    public static int Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var length = Encoding.UTF8.GetBytes(key, buffer);
        var hash = 2166136261u;
        foreach (var b in buffer[..length])
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return (int)(hash % Count);
    }

    /// <summary>True when <paramref name="bucket"/> is in the set.</summary>
    public bool Contains(int bucket) => (uint)bucket < Count && (_bitmap[bucket >> 3] & (1 << (bucket & 7))) != 0;

    /// <summary>The set as a bitmap of <see cref="Count"/> bits: bucket <c>b</c> is bit <c>b % 8</c> (least significant first) of byte <c>b / 8</c>, as PostgreSQL's <c>get_bit(bytea, b)</c> reads it.</summary>
    public ReadOnlyMemory<byte> Bitmap => _bitmap;

    /// <summary>How many buckets the set holds.</summary>
    public int Size => _bitmap.Sum(b => System.Numerics.BitOperations.PopCount(b));
}
