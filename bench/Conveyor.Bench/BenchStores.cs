using Conveyor.Postgres;
using Conveyor.Sqlite;
using Conveyor.Storage.Memory;
using Npgsql;

namespace Conveyor.Bench;

/// <summary>
/// Fresh stores for <c>conveyor bench</c>, of the kind the user named: a new SQLite file beside the named one
/// (same disk), a new PostgreSQL schema in the named database, or a new memory store. Each is removed after
/// its measure, so a bench never touches the user's jobs.
/// </summary>
public sealed class BenchStores
{
    /// <summary>Sessions the pool opens before a measure: the parallel callers of enqueue_single or a node's claim,
    /// completion, heartbeat, chore and listener sessions, whichever is more.</summary>
    private const int WarmSessions = 20;

    private readonly Func<CancellationToken, Task<BenchStore>> _create;

    private BenchStores(Func<CancellationToken, Task<BenchStore>> create) => _create = create;

    /// <summary>A new memory store per measure; node processes cannot share it.</summary>
    public static BenchStores Memory() => new(_ => Task.FromResult(new BenchStore(new MemoryJobStore())));

    /// <summary>A new SQLite file per measure, in the folder of <paramref name="path"/>, deleted afterwards.</summary>
    public static BenchStores SqliteBeside(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return new(async cancellationToken =>
        {
            var file = Path.Combine(folder, $".conveyor-bench-{Guid.NewGuid():N}.db");
            var sqlite = new SqliteJobStore(file);
            await sqlite.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return new BenchStore(sqlite, () =>
            {
                foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
                {
                    if (File.Exists(file + suffix)) File.Delete(file + suffix);
                }
                return ValueTask.CompletedTask;
            }, url: $"sqlite:{file}");
        });
    }

    /// <summary>
    /// A new schema per measure in the database <paramref name="settings"/> name, dropped afterwards. The server's CPU
    /// per job is read only when <paramref name="serverOnThisMachine"/>: a remote host's pids mean nothing here.
    /// </summary>
    public static BenchStores Postgres(PostgresStoreOptions settings, bool serverOnThisMachine)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(async cancellationToken =>
        {
            var fresh = settings with { Schema = $"conveyor_bench_{Guid.NewGuid():N}"[..32] };
            var postgres = new PostgresJobStore(fresh);
            await postgres.MigrateAsync(cancellationToken).ConfigureAwait(false);
            await OpenPoolAsync(postgres, fresh.Schema, cancellationToken).ConfigureAwait(false);
            var serverCpu = serverOnThisMachine
                ? await LocalPostgresCpuMeter.TryCreateAsync(postgres.DataSource, cancellationToken).ConfigureAwait(false)
                : null;
            return new BenchStore(postgres, async () =>
            {
                await using var dropper = new PostgresJobStore(fresh with { AutoMigrate = false });
                await dropper.DropSchemaAsync(CancellationToken.None).ConfigureAwait(false);
            }, url: $"{fresh.ConnectionString};Schema={fresh.Schema}", serverCpu: serverCpu);
        });
    }

    /// <summary>Creates and migrates the next fresh store.</summary>
    public Task<BenchStore> CreateAsync(CancellationToken cancellationToken) => _create(cancellationToken);

    /// <summary>
    /// Opens the fresh store's pool before the clock starts, as a running application has it open: otherwise the
    /// first calls of a measure pay ~60 ms each for new server sessions.
    /// </summary>
    private static async Task OpenPoolAsync(PostgresJobStore postgres, string schema, CancellationToken cancellationToken)
    {
        var sessions = new List<NpgsqlConnection>(WarmSessions);
        try
        {
            for (var i = 0; i < WarmSessions; i++)
            {
                var connection = await postgres.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                sessions.Add(connection);
                await using var touch = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".jobs", connection);
                await touch.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var connection in sessions)
                await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
