using System.Globalization;

namespace Conveyor.Cli.Soak;

/// <summary>
/// The soak's invariants. While the load runs it samples the running jobs each second (no job running past its lease by
/// more than the rescue bound while the store is up, never two running jobs of one ordering or unique key); at the end it
/// reads every job of the run and checks: none lost, all final, a second attempt only after a lost lease, ordering keys
/// in order without overlap, unique keys held by one job at a time.
/// </summary>
internal sealed class SoakAudit(JobClient client, SoakSettings settings, SoakLedger ledger)
{
    private readonly Dictionary<string, List<string>> _broken = new(StringComparer.Ordinal);
    private DateTimeOffset _storeLastDown = DateTimeOffset.MinValue;

    public const string Lost = "every job final or accounted for";
    public const string Attempts = "a second attempt only after a lost lease";
    public const string Leases = "nothing running past its lease + rescue interval";
    public const string Ordering = "no ordering-key overlap, enqueue order kept";
    public const string Unique = "unique keys held by one job at a time";

    public static readonly string[] All = [Lost, Attempts, Leases, Ordering, Unique];

    /// <summary>How far past its lease the worst running job was, in any sample.</summary>
    public TimeSpan WorstOverrun { get; private set; }

    public int Samples { get; private set; }

    /// <summary>The jobs of the run as the final check read them.</summary>
    public IReadOnlyList<JobInfo> Final { get; private set; } = [];

    public IReadOnlyDictionary<string, List<string>> Broken => _broken;

    public async Task SampleAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
                await SampleOnceAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The store is down (a restart): leases could not be extended meanwhile, so overruns are not judged for a while.
                _storeLastDown = DateTimeOffset.UtcNow;
            }
        }
    }

    private async Task SampleOnceAsync(CancellationToken cancellationToken)
    {
        var page = await client.ListAsync(new JobQuery { Queue = settings.Queue, State = JobState.Running, Limit = JobQuery.MaxLimit }, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        Samples++;
        var judged = now - _storeLastDown > settings.LeaseDuration + settings.RescueBound;
        foreach (var job in page.Jobs)
        {
            if (job.LeaseExpiresAt is not { } lease) continue;
            var overrun = now - lease;
            if (overrun > WorstOverrun && judged) WorstOverrun = overrun;
            if (judged && overrun > settings.RescueBound)
                Break(Leases, $"job {job.Id} still running {overrun.TotalSeconds:0.0} s after its lease ran out (node {job.Node})");
        }
        foreach (var key in page.Jobs.Where(j => j.OrderingKey is not null).GroupBy(j => j.OrderingKey).Where(g => g.Count() > 1))
            Break(Ordering, $"ordering key {key.Key}: jobs {string.Join(", ", key.Select(j => j.Id))} running at once");
        foreach (var key in page.Jobs.Where(j => j.UniqueKey is not null).GroupBy(j => j.UniqueKey).Where(g => g.Count() > 1))
            Break(Unique, $"unique key {key.Key}: jobs {string.Join(", ", key.Select(j => j.Id))} running at once");
    }

    /// <summary>Waits until no job of the run is left unfinished, or <paramref name="timeout"/> passes.</summary>
    public async Task DrainAsync(JobMonitor monitor, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var queue = (await monitor.ListQueuesAsync(cancellationToken)).SingleOrDefault(q => q.Name == settings.Queue);
                if (queue is null || queue.Counts.Where(c => !c.Key.IsFinal()).Sum(c => c.Value) == 0) return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The store is coming back from a restart.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JobInfo>();
        string? cursor = null;
        do
        {
            var page = await client.ListAsync(new JobQuery { Queue = settings.Queue, Limit = JobQuery.MaxLimit, Cursor = cursor }, cancellationToken);
            jobs.AddRange(page.Jobs);
            cursor = page.NextCursor?.ToString(CultureInfo.InvariantCulture);
        }
        while (cursor is not null);
        Final = jobs;
        var byId = jobs.ToDictionary(j => j.Id);

        foreach (var (id, type) in ledger.Jobs.OrderBy(p => p.Key))
        {
            if (!byId.ContainsKey(id)) Break(Lost, $"job {id} ({type}) was enqueued and is gone");
        }
        foreach (var job in jobs.Where(j => !j.State.IsFinal()))
            Break(Lost, $"job {job.Id} is still {job.State.ToWireName()} (attempt {job.Attempt}, node {job.Node})");

        foreach (var job in jobs)
        {
            var type = ledger.Jobs.TryGetValue(job.Id, out var t) ? t : (SoakJobType?)null;
            var leaseLost = job.Errors.Count(e => e.Type == JobError.LeaseExpiredType);
            var failed = job.Errors.Count - leaseLost;
            if (type != SoakJobType.Failing && failed > 0)
                Break(Attempts, $"job {job.Id} ({type}) has {failed} handler error(s): {job.Errors.First(e => e.Type != JobError.LeaseExpiredType).Message}");
            // Each attempt before the last ended in a recorded error; the last one too unless it succeeded.
            var explained = job.State == JobState.Succeeded ? job.Attempt - 1 : job.Attempt;
            if (job.State.IsFinal() && job.Errors.Count != explained)
                Break(Attempts, $"job {job.Id} ({type}) ran {job.Attempt} attempt(s) with {job.Errors.Count} error(s): {leaseLost} lost lease(s), {failed} handler failure(s)");
            if (job.Errors.Select(e => e.Attempt).Distinct().Count() != job.Errors.Count)
                Break(Attempts, $"job {job.Id} ({type}) has two errors for one attempt");
        }

        foreach (var key in jobs.Where(j => j.OrderingKey is not null).GroupBy(j => j.OrderingKey))
        {
            JobInfo? previous = null;
            foreach (var job in key.OrderBy(j => j.Id))
            {
                if (previous is { FinishedAt: { } finished } && job.StartedAt is { } started && started < finished)
                    Break(Ordering, $"ordering key {key.Key}: job {job.Id} started {(finished - started).TotalMilliseconds:0} ms before job {previous.Id} finished");
                previous = job;
            }
        }
        foreach (var key in jobs.Where(j => j.UniqueKey is not null).GroupBy(j => j.UniqueKey))
        {
            JobInfo? previous = null;
            foreach (var job in key.OrderBy(j => j.Id))
            {
                // A second job of a key may only be created once the first is final. The enqueue's time is taken just before its
                // transaction checks the key, so a job created a moment before the previous one's finish is still fine.
                if (previous is not null && (previous.FinishedAt is not { } finished || job.CreatedAt < finished - TimeSpan.FromSeconds(1)))
                    Break(Unique, $"unique key {key.Key}: job {job.Id} created while job {previous.Id} was not final");
                previous = job;
            }
        }
    }

    public void Break(string invariant, string detail)
    {
        lock (_broken)
        {
            if (!_broken.TryGetValue(invariant, out var details)) _broken[invariant] = details = [];
            if (details.Count < 1000) details.Add(detail);
        }
    }
}
