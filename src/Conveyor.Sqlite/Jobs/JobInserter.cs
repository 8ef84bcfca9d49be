using Conveyor.Serialization;
using Conveyor.Sqlite.Connections;
using Conveyor.Storage;

namespace Conveyor.Sqlite.Jobs;

/// <summary>
/// Inserts jobs under the rules of <see cref="IJobExecutionStore.InsertManyAsync"/>. Runs inside a write
/// transaction (the store's own, or the caller's), so ids are assigned here, in input order, from
/// the table's AUTOINCREMENT sequence: nobody else can insert until the transaction ends.
/// </summary>
internal static class JobInserter
{
    private const string SequenceSql = "SELECT seq FROM sqlite_sequence WHERE name = 'conveyor_jobs'";

    private const string UniqueSql = $"""
        SELECT id FROM conveyor_jobs
        WHERE unique_key = $key
          AND (state IN {JobRows.NonFinalStates}
               OR (state = 'succeeded' AND unique_for_us IS NOT NULL AND finished_at + unique_for_us > $now))
        ORDER BY id
        LIMIT 1
        """;

    private const string StateSql = "SELECT state FROM conveyor_jobs WHERE id = $id";

    public static IReadOnlyList<InsertedJob> Insert(SqliteSession session, InsertJobsParams parameters, Action<string> jobsAvailable)
    {
        var jobs = parameters.Jobs;
        var results = new InsertedJob[jobs.Count];
        if (jobs.Count == 0)
            return results;

        var now = UnixMicros.From(parameters.Now);
        var nextId = (session.Command(SequenceSql).ExecuteScalar() is long seq ? seq : 0) + 1;
        var batch = new JobRowBatch();
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            var state = job.State;
            long? finishedAt = null;
            var errors = JobErrorJson.EmptyArray;

            if (job.UniqueKey is not null || job.AfterJobId is not null)
            {
                // These rules read the table: earlier rows of this call must be in it first.
                batch.Flush(session, now);
                if (job.UniqueKey is { } key
                    && session.Command(UniqueSql).Bind("$key", key).Bind("$now", now).ExecuteScalar() is long existing)
                {
                    results[i] = new InsertedJob(existing, Existing: true);
                    continue;
                }
                if (job.AfterJobId is { } afterId)
                {
                    var parentState = session.Command(StateSql).Bind("$id", afterId).ExecuteScalar() as string
                        ?? throw new JobNotFoundException(afterId);
                    switch (JobRows.ParseState(parentState))
                    {
                        case JobState.Succeeded:
                            break;
                        case JobState.Dead or JobState.Cancelled:
                            state = JobState.Cancelled;
                            finishedAt = now;
                            errors = JobErrorJson.ToJsonArray(JobError.DependencyFailed(0, parameters.Now, afterId, JobRows.ParseState(parentState)));
                            break;
                        default:
                            state = JobState.Waiting;
                            break;
                    }
                }
            }

            results[i] = new InsertedJob(nextId, Existing: false);
            batch.Add(nextId, job, state, finishedAt, errors);
            nextId++;
            if (state == JobState.Available)
                jobsAvailable(job.Queue);
            if (batch.Count >= JobRowBatch.MaxRows)
                batch.Flush(session, now);
        }
        batch.Flush(session, now);
        return results;
    }
}
