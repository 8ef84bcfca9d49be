using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore : ICronStore
{
    // A definition equal to the stored one matches no row of the DO UPDATE, and RETURNING then yields nothing.
    private const string UpsertCronSql = """
        INSERT INTO conveyor_cron (name, expression, time_zone, kind, args, options, missed_ticks, source, version, created_at, updated_at)
        VALUES ($name, $expression, $zone, $kind, $args, $options, $missed, $source, 1, $now, $now)
        ON CONFLICT (name) DO UPDATE SET
            expression = excluded.expression, time_zone = excluded.time_zone, kind = excluded.kind, args = excluded.args,
            options = excluded.options, missed_ticks = excluded.missed_ticks, source = excluded.source,
            version = conveyor_cron.version + 1, updated_at = excluded.updated_at
        WHERE conveyor_cron.expression <> excluded.expression OR conveyor_cron.time_zone <> excluded.time_zone
           OR conveyor_cron.kind <> excluded.kind OR conveyor_cron.args <> excluded.args OR conveyor_cron.options <> excluded.options
           OR conveyor_cron.missed_ticks <> excluded.missed_ticks
        RETURNING version
        """;

    private const string RemoveCronSql = "DELETE FROM conveyor_cron WHERE name = $name";

    private const string ListCronSql = """
        SELECT name, expression, time_zone, kind, args, options, missed_ticks, source, version, created_at, updated_at,
               last_tick, last_job_id, last_fired_at
        FROM conveyor_cron ORDER BY name
        """;

    // The compare-and-set: IS matches two NULLs, so a schedule that never fired is matched by an expected NULL.
    private const string AdvanceCronSql = """
        UPDATE conveyor_cron SET last_tick = $tick, last_fired_at = $now
        WHERE name = $name AND version = $version AND last_tick IS $expected
        """;

    private const string CronJobSql = "UPDATE conveyor_cron SET last_job_id = $job WHERE name = $name";

    /// <summary>Schedules in the same file, fired in the writer's transactions.</summary>
    public ICronStore? Cron => this;

    /// <inheritdoc />
    public Task<CronUpsertOutcome> UpsertCronAsync(UpsertCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var d = parameters.Definition;
        return WriteAsync(scope =>
        {
            var version = scope.Session.Command(UpsertCronSql)
                .Bind("$name", d.Name).Bind("$expression", d.Expression).Bind("$zone", d.TimeZone).Bind("$kind", d.Kind)
                .Bind("$args", d.ArgsJson).Bind("$options", d.OptionsJson).Bind("$missed", d.MissedTicks).Bind("$source", d.Source)
                .Bind("$now", UnixMicros.From(parameters.Now))
                .ExecuteScalar();
            return version switch
            {
                null => CronUpsertOutcome.Unchanged,
                1L => CronUpsertOutcome.Created,
                _ => CronUpsertOutcome.Updated,
            };
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RemoveCronAsync(RemoveCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope => scope.Session.Command(RemoveCronSql).Bind("$name", parameters.Name).ExecuteNonQuery() > 0, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CronSchedule>> ListCronAsync(ListCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync<IReadOnlyList<CronSchedule>>(session =>
        {
            var schedules = new List<CronSchedule>();
            using var reader = session.Command(ListCronSql).ExecuteReader();
            while (reader.Read())
            {
                var definition = new CronDefinition
                {
                    Name = reader.GetString(0),
                    Expression = reader.GetString(1),
                    TimeZone = reader.GetString(2),
                    Kind = reader.GetString(3),
                    ArgsJson = reader.GetString(4),
                    OptionsJson = reader.GetString(5),
                    MissedTicks = reader.GetString(6),
                    Source = reader.GetString(7),
                };
                schedules.Add(new CronSchedule(definition, reader.GetInt64(8), UnixMicros.ToTime(reader.GetInt64(9)), UnixMicros.ToTime(reader.GetInt64(10)),
                    Time(reader.GetNullableInt64(11)), reader.GetNullableInt64(12), Time(reader.GetNullableInt64(13))));
            }
            return schedules;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<CronFireResult> FireCronAsync(FireCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var advanced = scope.Session.Command(AdvanceCronSql)
                .Bind("$tick", UnixMicros.From(parameters.Tick)).Bind("$now", UnixMicros.From(parameters.Now))
                .Bind("$name", parameters.Name).Bind("$version", parameters.Version).Bind("$expected", UnixMicros.From(parameters.ExpectedLastTick))
                .ExecuteNonQuery();
            if (advanced == 0) return new CronFireResult(false, null);
            if (parameters.Job is null) return new CronFireResult(true, null);
            // In the same write transaction (the writer's savepoint for this operation): a failed insert undoes the advance.
            var id = JobInserter.Insert(scope.Session, new InsertJobsParams([parameters.Job], parameters.Now), scope.JobsAvailable)[0].Id;
            scope.Session.Command(CronJobSql).Bind("$job", id).Bind("$name", parameters.Name).ExecuteNonQuery();
            return new CronFireResult(true, id);
        }, cancellationToken);
    }

    private static DateTimeOffset? Time(long? micros) => micros is { } m ? UnixMicros.ToTime(m) : null;
}
