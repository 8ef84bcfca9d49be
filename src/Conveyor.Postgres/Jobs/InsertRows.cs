using System.Globalization;
using Conveyor.Serialization;
using Conveyor.Storage;

namespace Conveyor.Postgres.Jobs;

/// <summary>
/// The rows one insert writes, as column arrays for <c>unnest</c>, and the answer for every input job
/// (a new id, or the id of the job that holds its unique key).
/// </summary>
internal sealed class InsertRows
{
    private readonly InsertedJob[] _results;
    private readonly int[] _inputOf;
    private readonly List<(int Input, int HolderInput)> _sameCall = [];
    private IReadOnlyList<string>? _availableQueues;

    private InsertRows(InsertedJob[] results, int rowCount)
    {
        _results = results;
        _inputOf = new int[rowCount];
        Kinds = new string?[rowCount];
        Queues = new string?[rowCount];
        States = new string?[rowCount];
        Args = new string?[rowCount];
        Priorities = new int[rowCount];
        MaxAttempts = new int[rowCount];
        RunAts = new DateTime?[rowCount];
        Timeouts = new TimeSpan?[rowCount];
        OrderingKeys = new string?[rowCount];
        UniqueKeys = new string?[rowCount];
        UniqueFors = new TimeSpan?[rowCount];
        AffinityKeys = new string?[rowCount];
        AfterJobIds = new long?[rowCount];
        BatchIds = new long?[rowCount];
        FinishedAts = new DateTime?[rowCount];
        Errors = new string?[rowCount];
        CreatedAts = new DateTime?[rowCount];
        TraceParents = new string?[rowCount];
        TraceStates = new string?[rowCount];
    }

    public int Count { get; private set; }
    public string?[] Kinds { get; }
    public string?[] Queues { get; }
    public string?[] States { get; }
    public string?[] Args { get; }
    public int[] Priorities { get; }
    public int[] MaxAttempts { get; }
    public DateTime?[] RunAts { get; }
    public TimeSpan?[] Timeouts { get; }
    public string?[] OrderingKeys { get; }
    public string?[] UniqueKeys { get; }
    public TimeSpan?[] UniqueFors { get; }
    public string?[] AffinityKeys { get; }
    public long?[] AfterJobIds { get; }
    public long?[] BatchIds { get; }
    public DateTime?[] FinishedAts { get; }
    public string?[] Errors { get; }
    public DateTime?[] CreatedAts { get; }
    public string?[] TraceParents { get; }
    public string?[] TraceStates { get; }

    /// <summary>Every job as given (no unique keys, no <c>after</c>: nothing to decide).</summary>
    /// <param name="jobs">The jobs.</param>
    /// <param name="createdAt">The enqueue time of each job (calls written together keep their own).</param>
    public static InsertRows Plain(IReadOnlyList<NewJob> jobs, IReadOnlyList<DateTimeOffset> createdAt)
    {
        var rows = new InsertRows(new InsertedJob[jobs.Count], jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            rows.Add(i, jobs[i], jobs[i].State, null, null);
            rows.CreatedAts[i] = createdAt[i].UtcDateTime;
        }
        return rows;
    }

    /// <summary>
    /// Applies the insert rules: a unique key held by an existing job (<paramref name="existing"/>) or by an
    /// earlier job of this call returns that job; <c>after</c> makes a job <c>waiting</c>, or <c>cancelled</c>
    /// when its parent is dead or cancelled; an unknown parent fails the whole call.
    /// </summary>
    /// <exception cref="JobNotFoundException">A parent is not in <paramref name="parents"/>.</exception>
    public static InsertRows Decide(IReadOnlyList<NewJob> jobs, DateTimeOffset now, IReadOnlyDictionary<string, long> existing, IReadOnlyDictionary<long, JobState> parents)
    {
        var results = new InsertedJob[jobs.Count];
        var sameCall = new List<(int Input, int HolderInput)>();
        var decided = new List<(int Input, JobState State, DateTime? FinishedAt, string? Errors)>(jobs.Count);
        var holders = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            if (job.UniqueKey is { } key)
            {
                if (existing.TryGetValue(key, out var existingId))
                {
                    results[i] = new InsertedJob(existingId, Existing: true);
                    continue;
                }
                if (holders.TryGetValue(key, out var holder))
                {
                    sameCall.Add((i, holder));
                    continue;
                }
                holders.Add(key, i);
            }

            var state = job.State;
            DateTime? finishedAt = null;
            string? errors = null;
            if (job.AfterJobId is { } parentId)
            {
                if (!parents.TryGetValue(parentId, out var parentState))
                    throw new JobNotFoundException(parentId);
                switch (parentState)
                {
                    case JobState.Succeeded:
                        break;
                    case JobState.Dead or JobState.Cancelled:
                        state = JobState.Cancelled;
                        finishedAt = now.UtcDateTime;
                        errors = JobErrorJson.ToJsonArray(JobError.DependencyFailed(0, now, parentId, parentState));
                        break;
                    default:
                        state = JobState.Waiting;
                        break;
                }
            }
            decided.Add((i, state, finishedAt, errors));
        }
        var rows = new InsertRows(results, decided.Count);
        rows._sameCall.AddRange(sameCall);
        foreach (var (input, state, finishedAt, errors) in decided)
        {
            rows.CreatedAts[rows.Count] = now.UtcDateTime;
            rows.Add(input, jobs[input], state, finishedAt, errors);
        }
        return rows;
    }

    /// <summary>Takes the ids the insert returned, in row order.</summary>
    public void AssignIds(long[] ids)
    {
        for (var row = 0; row < Count; row++)
            _results[_inputOf[row]] = new InsertedJob(ids[row], Existing: false);
        foreach (var (input, holderInput) in _sameCall)
            _results[input] = new InsertedJob(_results[holderInput].Id, Existing: true);
    }

    /// <summary>One entry per input job, in input order (ids assigned).</summary>
    public IReadOnlyList<InsertedJob> Results()
    {
        foreach (var (input, holderInput) in _sameCall)
            _results[input] = new InsertedJob(_results[holderInput].Id, Existing: true);
        return _results;
    }

    /// <summary>The queues that get jobs claimable at once (worked out once: a write asks before and after it runs).</summary>
    public IReadOnlyList<string> AvailableQueues() => _availableQueues ??= QueuesWithAvailableRows(claimedIds: null);

    /// <summary>
    /// The queues that got a claimable job <paramref name="claimedIds"/> does not hold (ids assigned): those whose
    /// other nodes must still be woken after claims rode on this write.
    /// </summary>
    public IReadOnlyList<string> AvailableQueuesLeftAfter(IReadOnlySet<long> claimedIds) => QueuesWithAvailableRows(claimedIds);

    private List<string> QueuesWithAvailableRows(IReadOnlySet<long>? claimedIds)
    {
        var queues = new List<string>(1);
        for (var row = 0; row < Count; row++)
        {
            if (States[row] != "available" || (claimedIds is not null && claimedIds.Contains(_results[_inputOf[row]].Id)))
                continue;
            if (!queues.Contains(Queues[row]!, StringComparer.Ordinal))
                queues.Add(Queues[row]!);
        }
        return queues;
    }

    private void Add(int input, NewJob job, JobState state, DateTime? finishedAt, string? errors)
    {
        var row = Count++;
        _inputOf[row] = input;
        Kinds[row] = job.Kind;
        Queues[row] = job.Queue;
        States[row] = state.ToWireName();
        Args[row] = job.ArgsJson;
        Priorities[row] = job.Priority;
        MaxAttempts[row] = job.MaxAttempts;
        RunAts[row] = job.RunAt.UtcDateTime;
        Timeouts[row] = job.Timeout;
        OrderingKeys[row] = job.OrderingKey;
        UniqueKeys[row] = job.UniqueKey;
        UniqueFors[row] = job.UniqueFor;
        AffinityKeys[row] = job.AffinityKey;
        AfterJobIds[row] = job.AfterJobId;
        BatchIds[row] = job.BatchId;
        FinishedAts[row] = finishedAt;
        Errors[row] = errors;
        TraceParents[row] = job.TraceParent;
        TraceStates[row] = job.TraceState;
    }
}
