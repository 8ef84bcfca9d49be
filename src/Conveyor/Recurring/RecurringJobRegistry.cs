using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Recurring;

/// <summary>
/// The schedules a setup defines in code (<c>AddRecurring</c>) or in a config file. Each node stores them when it starts:
/// the code is the truth for the names it defines, so a stored schedule of the same name that differs is replaced (and
/// counts its ticks from then); schedules the code no longer names stay until removed (<c>cron remove</c>).
/// </summary>
internal sealed class RecurringJobRegistry
{
    /// <summary>Who defined a schedule in code.</summary>
    public const string CodeSource = "code";

    /// <summary>Who defined a schedule in a config file.</summary>
    public const string ConfigSource = "config";

    private readonly List<(RecurringJob Job, string Source)> _jobs = [];

    public IReadOnlyList<(RecurringJob Job, string Source)> Jobs => _jobs;

    /// <summary>Adds a schedule, checked at once (with the default limits; the node checks again with its own).</summary>
    public void Add(RecurringJob job, string source)
    {
        ArgumentNullException.ThrowIfNull(job);
        new RecurringJobValidator(new ConveyorOptions()).ToDefinition(job, source);
        if (_jobs.Any(j => j.Job.Name == job.Name))
            throw new InvalidOperationException($"a recurring job named '{job.Name}' is already defined");
        _jobs.Add((job, source));
    }

    /// <summary>Creates or replaces every schedule in the store.</summary>
    public async Task StoreAsync(IJobStore store, ConveyorOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        if (_jobs.Count == 0) return;
        if (store.Cron is not { } cron)
            throw new InvalidOperationException($"the {store.Name} store keeps no recurring schedules, and this setup defines {_jobs.Count}");
        var validator = new RecurringJobValidator(options);
        foreach (var (job, source) in _jobs)
        {
            var definition = validator.ToDefinition(job, source);
            var outcome = await cron.UpsertCronAsync(new UpsertCronParams(definition, time.UtcNow()), cancellationToken).ConfigureAwait(false);
            if (outcome == CronUpsertOutcome.Created)
                logger.LogInformation("Recurring job {Name} stored: '{Cron}' ({Zone}) enqueues {Kind}", job.Name, definition.Expression, definition.TimeZone, job.Kind);
            else if (outcome == CronUpsertOutcome.Updated)
                logger.LogInformation("Recurring job {Name}: the stored definition differed from this node's {Source} and was replaced", job.Name, source);
        }
    }
}
