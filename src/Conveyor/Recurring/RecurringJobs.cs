using Conveyor.Dispatching;
using Conveyor.Recurring;
using Conveyor.Storage;

namespace Conveyor;

/// <summary>
/// Recurring schedules at run time: add or replace, remove, list. Thread-safe; resolve it from DI. Bad input throws
/// <see cref="Validation.JobValidationException"/> and stores nothing. The cluster's leader picks changes up at its next
/// maintenance tick.
/// </summary>
public sealed class RecurringJobs
{
    private readonly IJobStore _store;
    private readonly TimeProvider _time;
    private readonly RecurringJobValidator _validator;

    internal RecurringJobs(IJobStore store, ConveyorOptions options, TimeProvider time)
    {
        _store = store;
        _time = time;
        _validator = new RecurringJobValidator(options);
    }

    /// <summary>
    /// Creates the schedule, or replaces the one of the same name (which then counts its ticks from now). Returns
    /// <see cref="CronUpsertOutcome.Unchanged"/> when the stored one is already this definition.
    /// </summary>
    public Task<CronUpsertOutcome> AddOrUpdateAsync(RecurringJob job, CancellationToken cancellationToken = default) =>
        AddOrUpdateAsync(job, "api", cancellationToken);

    internal async Task<CronUpsertOutcome> AddOrUpdateAsync(RecurringJob job, string source, CancellationToken cancellationToken)
    {
        var definition = _validator.ToDefinition(job, source);
        var cron = Cron;
        // The schedule counts its ticks from this time: the store's, or a machine minutes off would skip or add ticks.
        return await cron.UpsertCronAsync(new UpsertCronParams(definition, await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a schedule; false when there was none of that name. The jobs it enqueued stay.</summary>
    public Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Cron.RemoveCronAsync(new RemoveCronParams(name), cancellationToken);
    }

    /// <summary>Every schedule, by name, with its last and next run (the next as of now).</summary>
    public async Task<IReadOnlyList<RecurringJobInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var schedules = await Cron.ListCronAsync(new ListCronParams(), cancellationToken).ConfigureAwait(false);
        var list = new List<RecurringJobInfo>(schedules.Count);
        foreach (var s in schedules)
        {
            DateTimeOffset? next;
            try
            {
                // A tick already due but not fired yet is the next run.
                next = CronTimetable.Parse(s.Definition.Expression, s.Definition.TimeZone).NextAfter(CronTickPlan.Anchor(s.LastTick, s.UpdatedAt));
            }
            catch (Validation.JobValidationException)
            {
                next = null;
            }
            list.Add(new RecurringJobInfo(RecurringJobValidator.ToJob(s.Definition), s.Definition.Source, s.CreatedAt, s.UpdatedAt, s.LastTick, s.LastJobId, next));
        }
        return list;
    }

    private ICronStore Cron => _store.Cron ?? throw new NotSupportedException($"the {_store.Name} store keeps no recurring schedules");
}
