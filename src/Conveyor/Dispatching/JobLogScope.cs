using System.Collections;

namespace Conveyor.Dispatching;

/// <summary>
/// The logging scope of one attempt: every log entry written while its handler runs (the handler's own loggers too)
/// carries <c>JobId</c>, <c>JobKind</c>, <c>Queue</c> and <c>Attempt</c> for providers that record scopes.
/// </summary>
internal sealed class JobLogScope(Storage.ClaimedJob job) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("JobId", job.Id),
        1 => new("JobKind", job.Kind),
        2 => new("Queue", job.Queue),
        3 => new("Attempt", job.Attempt),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"job {job.Id} ({job.Kind}) attempt {job.Attempt}";
}
