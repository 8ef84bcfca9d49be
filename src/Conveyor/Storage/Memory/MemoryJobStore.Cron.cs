namespace Conveyor.Storage.Memory;

// The cron role: schedules live under the store's lock, so a fire inserts its job and advances the schedule at once.
public sealed partial class MemoryJobStore : ICronStore
{
    private readonly Dictionary<string, CronSchedule> _cron = new(StringComparer.Ordinal);

    /// <summary>Keeps schedules in this object, under the same lock as the jobs.</summary>
    public ICronStore? Cron => this;

    /// <inheritdoc />
    public Task<CronUpsertOutcome> UpsertCronAsync(UpsertCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Change(parameters, static (store, p) =>
        {
            var definition = p.Definition;
            if (!store._cron.TryGetValue(definition.Name, out var stored))
            {
                store._cron[definition.Name] = new CronSchedule(definition, 1, p.Now, p.Now, null, null, null);
                return CronUpsertOutcome.Created;
            }
            if (stored.Definition.SameScheduleAs(definition)) return CronUpsertOutcome.Unchanged;
            store._cron[definition.Name] = stored with { Definition = definition, Version = stored.Version + 1, UpdatedAt = p.Now };
            return CronUpsertOutcome.Updated;
        }));
    }

    /// <inheritdoc />
    public Task<bool> RemoveCronAsync(RemoveCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Change(parameters, static (store, p) => store._cron.Remove(p.Name)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CronSchedule>> ListCronAsync(ListCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<CronSchedule>>([.. _cron.Values.OrderBy(s => s.Definition.Name, StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public Task<CronFireResult> FireCronAsync(FireCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult(Change(parameters, static (store, p) =>
            {
                if (!store._cron.TryGetValue(p.Name, out var stored) || stored.Version != p.Version || stored.LastTick != p.ExpectedLastTick)
                    return new CronFireResult(false, null);
                long? jobId = p.Job is null ? null : store.Insert([p.Job], p.Now)[0].Id;
                store._cron[p.Name] = stored with { LastTick = p.Tick, LastJobId = jobId ?? stored.LastJobId, LastFiredAt = p.Now };
                return new CronFireResult(true, jobId);
            }));
        }
        catch (JobNotFoundException e)
        {
            return Task.FromException<CronFireResult>(e);
        }
    }
}
