namespace Conveyor.Storage;

/// <summary>
/// Store role: recurring schedules (cron), one row per schedule name. The core parses expressions and computes
/// ticks; the store keeps the definitions as given and applies <see cref="FireCronAsync"/> atomically, which is what
/// makes each tick fire once across the cluster: the job is inserted and the schedule's last tick advanced in one
/// transaction, and only while the schedule still has the version and last tick the caller read (compare-and-set).
/// </summary>
public interface ICronStore
{
    /// <summary>
    /// Creates the schedule, or replaces its definition when any field but <see cref="CronDefinition.Source"/> differs
    /// (its version grows by one and updated_at = now; last tick and last job are kept). A definition equal to the
    /// stored one changes nothing. created_at = updated_at = now for a new schedule, whose version is 1.
    /// </summary>
    Task<CronUpsertOutcome> UpsertCronAsync(UpsertCronParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Deletes the schedule; false when there was none of that name. Jobs it enqueued stay.</summary>
    Task<bool> RemoveCronAsync(RemoveCronParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Every schedule, ordered by name.</summary>
    Task<IReadOnlyList<CronSchedule>> ListCronAsync(ListCronParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fires one tick, atomically: only while the schedule exists with <see cref="FireCronParams.Version"/> and a last
    /// tick equal to <see cref="FireCronParams.ExpectedLastTick"/> (both null counts as equal), inserts
    /// <see cref="FireCronParams.Job"/> (when given; as <see cref="IJobExecutionStore.InsertManyAsync"/> would) and sets
    /// last_tick = <see cref="FireCronParams.Tick"/>, last_job_id = the new job's id (unchanged when no job) and
    /// last_fired_at = now, in one transaction. Otherwise changes nothing and returns <see cref="CronFireResult.Fired"/> false:
    /// another leader fired that tick, or the schedule changed or went away meanwhile.
    /// </summary>
    Task<CronFireResult> FireCronAsync(FireCronParams parameters, CancellationToken cancellationToken = default);
}
