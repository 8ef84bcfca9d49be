namespace Conveyor.Storage;

/// <summary>
/// What a store looks up, inside the retry's transaction, for <see cref="JobLifecycle.DecideRetry"/> when
/// <see cref="JobLifecycle.RetryNeedsFacts"/> says so. Each fact is looked up only when the job has the key it is about.
/// </summary>
/// <param name="UniqueKeyHolder">Another job that holds the job's unique key as an enqueue of that key would find it (not final, or succeeded within its unique period); null when none or no unique key.</param>
/// <param name="RunningLaterOfOrderingKey">A later job (higher id) of the job's ordering key that is <c>running</c>; null when none or no ordering key.</param>
/// <param name="ParentState">The state of the job it waits for (<c>after</c>); null when that job was deleted, or when it has no <c>after</c>.</param>
/// <param name="CallbackOfOpenBatch">
/// The job is the callback of a batch that still has unfinished children (its row locked, so the child that finishes last
/// sees the retried callback and releases it); false otherwise.
/// </param>
public readonly record struct RetryFacts(long? UniqueKeyHolder, long? RunningLaterOfOrderingKey, JobState? ParentState, bool CallbackOfOpenBatch = false);
