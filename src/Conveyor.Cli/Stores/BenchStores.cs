using Conveyor.Bench;
using Conveyor.Cli.Benchmarks;
using Conveyor.Postgres;
using Conveyor.Sqlite;
using Conveyor.Storage.Memory;

namespace Conveyor.Cli.Stores;

/// <summary>
/// Fresh stores for <c>conveyor bench</c>, of the kind the user named: a new SQLite file beside the named one
/// (same disk), a new PostgreSQL schema in the named database, or a new memory store. Each is removed after
/// its measure, so a bench never touches the user's jobs.
/// </summary>
internal sealed class BenchStores(StoreUrl store)
{
    public async Task<BenchStore> CreateAsync(CancellationToken cancellationToken)
    {
        switch (store.Kind)
        {
            case StoreKind.Memory:
                return new BenchStore(new MemoryJobStore()); // no URL: other processes cannot share it
            case StoreKind.Sqlite:
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(store.Target))!;
                var path = Path.Combine(folder, $".conveyor-bench-{Guid.NewGuid():N}.db");
                var sqlite = new SqliteJobStore(path);
                await sqlite.MigrateAsync(cancellationToken);
                return new BenchStore(sqlite, () =>
                {
                    foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
                    {
                        if (File.Exists(path + suffix)) File.Delete(path + suffix);
                    }
                    return ValueTask.CompletedTask;
                }, url: $"sqlite:{path}");
            }
            case StoreKind.Postgres:
            {
                // A schema of its own in the named database, dropped afterwards.
                var settings = StoreSelector.Postgres(store) with { Schema = $"conveyor_bench_{Guid.NewGuid():N}"[..32] };
                var postgres = new PostgresJobStore(settings);
                await postgres.MigrateAsync(cancellationToken);
                await OpenPoolAsync(postgres, settings.Schema, cancellationToken);
                // Only a server on this machine can be read: its processes share the node's cores, which is what the
                // figure is for. A remote host's pids mean nothing here.
                var serverCpu = LocalPostgres.Is(store)
                    ? await LocalPostgresCpuMeter.TryCreateAsync(postgres.DataSource, cancellationToken)
                    : null;
                return new BenchStore(postgres, async () =>
                {
                    await using var dropper = new PostgresJobStore(settings with { AutoMigrate = false });
                    await dropper.DropSchemaAsync(CancellationToken.None);
                }, url: $"{settings.ConnectionString};Schema={settings.Schema}", serverCpu: serverCpu);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(store), store.Kind, "unknown store kind");
        }
    }

    /// <summary>Sessions the pool opens before a measure: the parallel callers of enqueue_single or a node's claim,
    /// completion, heartbeat, chore and listener sessions, whichever is more.</summary>
    private const int WarmSessions = 20;

    /// <summary>
    /// Opens the fresh store's pool before the clock starts, as an application that has been running has it open:
    /// otherwise the first calls of a measure pay for new server processes (a fork, authentication, Npgsql's type
    /// lookup, the new schema's catalog entries), ~60 ms each, which at 20 calls of enqueue_bulk was a quarter of
    /// the measure.
    /// </summary>
    private static async Task OpenPoolAsync(PostgresJobStore postgres, string schema, CancellationToken cancellationToken)
    {
        var sessions = new List<Npgsql.NpgsqlConnection>(WarmSessions);
        try
        {
            for (var i = 0; i < WarmSessions; i++)
            {
                var connection = await postgres.DataSource.OpenConnectionAsync(cancellationToken);
                sessions.Add(connection);
                await using var touch = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".jobs", connection);
                await touch.ExecuteScalarAsync(cancellationToken);
            }
        }
        finally
        {
            foreach (var connection in sessions)
                await connection.DisposeAsync();
        }
    }
}
