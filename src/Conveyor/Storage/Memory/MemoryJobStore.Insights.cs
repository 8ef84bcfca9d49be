namespace Conveyor.Storage.Memory;

public sealed partial class MemoryJobStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<ActivityBucket>> GetActivityAsync(GetActivityParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Bucket, TimeSpan.FromSeconds(1), nameof(parameters.Bucket));
        cancellationToken.ThrowIfCancellationRequested();
        var buckets = new SortedDictionary<long, (long Succeeded, long Dead, long Failed, long Started, TimeSpan WaitSum, TimeSpan? MaxWait)>();
        lock (_lock)
        {
            foreach (var job in _jobs.Values)
            {
                if (job.State is not (JobState.Succeeded or JobState.Dead) || job.FinishedAt is not { } finished
                    || finished < parameters.Since || finished >= parameters.Until)
                    continue;
                var index = (finished - parameters.Since).Ticks / parameters.Bucket.Ticks;
                var b = buckets.GetValueOrDefault(index);
                if (job.State == JobState.Succeeded)
                {
                    b.Succeeded++;
                    b.Failed += Math.Max(0, job.Attempt - 1);
                }
                else
                {
                    b.Dead++;
                    b.Failed += job.Attempt;
                }
                if (job.StartedAt is { } started)
                {
                    var wait = started - job.RunAt;
                    b.Started++;
                    b.WaitSum += wait;
                    b.MaxWait = b.MaxWait is { } max && max >= wait ? max : wait;
                }
                buckets[index] = b;
            }
        }
        return Task.FromResult<IReadOnlyList<ActivityBucket>>(
        [
            .. buckets.Select(pair => new ActivityBucket(parameters.Since + parameters.Bucket * pair.Key, pair.Value.Succeeded, pair.Value.Dead,
                pair.Value.Failed, pair.Value.Started == 0 ? null : pair.Value.WaitSum / pair.Value.Started, pair.Value.MaxWait)),
        ]);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JobInfo>> ListOrderingKeyAsync(ListOrderingKeyParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<JobInfo>>(
            [
                .. _jobs.Values
                    .Where(j => j.OrderingKey == parameters.OrderingKey && !j.State.IsFinal())
                    .OrderBy(j => j.Id)
                    .Take(parameters.Limit)
                    .Select(j => j.ToInfo()),
            ]);
        }
    }
}
