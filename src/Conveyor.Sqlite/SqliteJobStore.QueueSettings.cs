using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    private const string PauseSql = """
        INSERT INTO conveyor_queues (name, paused) VALUES ($name, $paused)
        ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
        """;

    private const string LimitsSql = """
        INSERT INTO conveyor_queues (name, global_limit, rate_count, rate_period_us, ordered, max_backlog)
        VALUES ($name, $global, $rate_count, $rate_period, $ordered, $backlog)
        ON CONFLICT (name) DO UPDATE SET global_limit = excluded.global_limit, rate_count = excluded.rate_count,
            rate_period_us = excluded.rate_period_us, ordered = excluded.ordered, max_backlog = excluded.max_backlog
        """;

    // The start log of a queue whose rate limit is removed goes with it (a claim prunes it otherwise).
    private const string ForgetStartsSql = "DELETE FROM conveyor_queue_starts WHERE queue = $name";

    private const string SettingsSql = "SELECT paused, global_limit, rate_count, rate_period_us, ordered, max_backlog FROM conveyor_queues WHERE name = $name";

    /// <inheritdoc />
    public Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            scope.Session.Command(PauseSql).Bind("$name", parameters.Queue).Bind("$paused", parameters.Paused ? 1L : 0L).ExecuteNonQuery();
            if (!parameters.Paused)
                scope.JobsAvailable(parameters.Queue);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task SetQueueLimitsAsync(SetQueueLimitsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameters.Limits);
        var limits = parameters.Limits;
        return WriteAsync(scope =>
        {
            scope.Session.Command(LimitsSql).Bind("$name", parameters.Queue).Bind("$global", limits.GlobalLimit)
                .Bind("$rate_count", limits.RateLimit?.Count).Bind("$rate_period", UnixMicros.FromSpan(limits.RateLimit?.Period))
                .Bind("$ordered", limits.Ordered ? 1L : 0L).Bind("$backlog", limits.MaxBacklog).ExecuteNonQuery();
            if (limits.RateLimit is null)
                scope.Session.Command(ForgetStartsSql).Bind("$name", parameters.Queue).ExecuteNonQuery();
            // Looser limits may let waiting jobs start now.
            scope.JobsAvailable(parameters.Queue);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<QueueSettings?> GetQueueSettingsAsync(GetQueueSettingsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync(session =>
        {
            using var reader = session.Command(SettingsSql).Bind("$name", parameters.Queue).ExecuteReader();
            return reader.Read() ? ReadSettings(reader, 0) : null;
        }, cancellationToken);
    }

    /// <summary>Reads (paused, global_limit, rate_count, rate_period_us, ordered, max_backlog) starting at column <paramref name="first"/>.</summary>
    private static QueueSettings ReadSettings(Microsoft.Data.Sqlite.SqliteDataReader reader, int first)
    {
        var rate = reader.GetNullableInt64(first + 2) is { } count && reader.GetNullableInt64(first + 3) is { } period
            ? new RateLimit((int)count, UnixMicros.ToSpan(period))
            : null;
        return new QueueSettings(reader.GetInt64(first) != 0, new QueueLimits(
            (int?)reader.GetNullableInt64(first + 1), rate, reader.GetInt64(first + 4) != 0, reader.GetNullableInt64(first + 5)));
    }
}
