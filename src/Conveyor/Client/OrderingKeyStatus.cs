namespace Conveyor;

/// <summary>Who holds an ordering key and who waits for it (see <see cref="JobMonitor.GetOrderingKeyAsync"/>).</summary>
/// <param name="Key">The ordering key.</param>
/// <param name="Holder">The job that holds the key: the one running, else the oldest that is not final (the next to run); null when no job of the key is waiting or running.</param>
/// <param name="Waiting">The other jobs of the key that are not final, in the order they will run.</param>
/// <param name="More">True when more jobs wait than were listed.</param>
public sealed record OrderingKeyStatus(string Key, JobInfo? Holder, IReadOnlyList<JobInfo> Waiting, bool More);
