using System.Globalization;
using Conveyor.Sqlite.Connections;

namespace Conveyor.Sqlite.Schema;

/// <summary>
/// The schema's history and the code that applies it. Runs inside the writer's <c>BEGIN IMMEDIATE</c>
/// transaction, so when several processes migrate one file at once they take turns: the first applies
/// the missing steps, the others find the version already current and do nothing.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>Every step, in order. Append new steps; never edit an applied one.</summary>
    public static IReadOnlyList<SqliteMigration> All { get; } =
    [
        new(1, "jobs, queues, nodes and the leader lease", """
            CREATE TABLE conveyor_jobs (
                id                INTEGER PRIMARY KEY AUTOINCREMENT,
                kind              TEXT    NOT NULL,
                queue             TEXT    NOT NULL,
                state             TEXT    NOT NULL CHECK (state IN ('scheduled', 'waiting', 'available', 'running', 'retrying', 'succeeded', 'dead', 'cancelled')),
                args              TEXT    NOT NULL,
                priority          INTEGER NOT NULL DEFAULT 0,
                attempt           INTEGER NOT NULL DEFAULT 0,
                max_attempts      INTEGER NOT NULL,
                run_at            INTEGER NOT NULL,
                created_at        INTEGER NOT NULL,
                started_at        INTEGER,
                finished_at       INTEGER,
                timeout_us        INTEGER,
                ordering_key      TEXT,
                unique_key        TEXT,
                unique_for_us     INTEGER,
                affinity_key      TEXT,
                after_job_id      INTEGER,
                batch_id          INTEGER,
                node              TEXT,
                lease_expires_at  INTEGER,
                progress_percent  INTEGER,
                progress_message  TEXT,
                result            TEXT,
                errors            TEXT    NOT NULL DEFAULT '[]'
            );

            CREATE INDEX conveyor_jobs_claim ON conveyor_jobs (queue, state, priority DESC, run_at, id);

            CREATE INDEX conveyor_jobs_ordering ON conveyor_jobs (ordering_key, id)
                WHERE ordering_key IS NOT NULL AND state IN ('scheduled', 'waiting', 'available', 'running', 'retrying');

            CREATE INDEX conveyor_jobs_unique ON conveyor_jobs (unique_key) WHERE unique_key IS NOT NULL;

            CREATE INDEX conveyor_jobs_after ON conveyor_jobs (after_job_id) WHERE after_job_id IS NOT NULL;

            CREATE INDEX conveyor_jobs_finished ON conveyor_jobs (state, finished_at) WHERE finished_at IS NOT NULL;

            CREATE INDEX conveyor_jobs_due ON conveyor_jobs (run_at) WHERE state IN ('scheduled', 'retrying');

            CREATE INDEX conveyor_jobs_lease ON conveyor_jobs (lease_expires_at) WHERE state = 'running';

            CREATE TABLE conveyor_queues (
                name    TEXT    PRIMARY KEY,
                paused  INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;

            CREATE TABLE conveyor_nodes (
                name          TEXT    PRIMARY KEY,
                host          TEXT    NOT NULL,
                pid           INTEGER NOT NULL,
                version       TEXT    NOT NULL,
                started_at    INTEGER NOT NULL,
                heartbeat_at  INTEGER NOT NULL,
                kinds         TEXT    NOT NULL,
                queues        TEXT    NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE conveyor_leader (
                id          INTEGER PRIMARY KEY CHECK (id = 1),
                node        TEXT    NOT NULL,
                expires_at  INTEGER NOT NULL
            );
            """),
        new(2, "cheaper state check; index of waiting dependents", """
            DROP INDEX conveyor_jobs_after;

            CREATE INDEX conveyor_jobs_waiting ON conveyor_jobs (after_job_id) WHERE state = 'waiting';
            """, RewriteStateCheck),
        // Version 1's claim index held every job, so each claim and each completion moved entries in it.
        // Now it holds available jobs only, and the indexes of the other states carry the queue and the
        // state, so that counting jobs per queue and state still reads indexes only (see QueueCountsSql).
        new(3, "claim index of available jobs only; state indexes that can count per queue", """
            DROP INDEX conveyor_jobs_claim;

            CREATE INDEX conveyor_jobs_claim ON conveyor_jobs (queue, priority DESC, run_at, id, state) WHERE state = 'available';

            DROP INDEX conveyor_jobs_finished;

            CREATE INDEX conveyor_jobs_finished ON conveyor_jobs (state, finished_at, queue) WHERE finished_at IS NOT NULL;

            DROP INDEX conveyor_jobs_due;

            CREATE INDEX conveyor_jobs_due ON conveyor_jobs (run_at, id, queue, state) WHERE state IN ('scheduled', 'retrying');

            DROP INDEX conveyor_jobs_waiting;

            CREATE INDEX conveyor_jobs_waiting ON conveyor_jobs (after_job_id, queue, state) WHERE state = 'waiting';
            """),

        // A job cancelled while it ran keeps its node and lease; until the lease has run out its handler may still be
        // stopping, and it holds its ordering key. The claim probes this (nearly always empty) index for that.
        new(4, "index of cancelled attempts that may still be stopping, by ordering key", """
            CREATE INDEX conveyor_jobs_ordering_stopping ON conveyor_jobs (ordering_key, lease_expires_at)
                WHERE state = 'cancelled' AND ordering_key IS NOT NULL AND lease_expires_at IS NOT NULL;
            """),

        // Flow control (docs/flow-control.md): a queue's limits live in its settings row, read by every claim in the
        // writer's transaction; a rate-limited queue logs its recent starts (microseconds, as every time here).
        new(5, "queue limits: global, rate, ordered, backlog; the start log", """
            ALTER TABLE conveyor_queues ADD COLUMN global_limit INTEGER;
            ALTER TABLE conveyor_queues ADD COLUMN rate_count INTEGER;
            ALTER TABLE conveyor_queues ADD COLUMN rate_period_us INTEGER;
            ALTER TABLE conveyor_queues ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE conveyor_queues ADD COLUMN max_backlog INTEGER;

            CREATE TABLE conveyor_queue_starts (
                queue       TEXT    NOT NULL,
                started_at  INTEGER NOT NULL
            );

            CREATE INDEX conveyor_queue_starts_window ON conveyor_queue_starts (queue, started_at);
            """),

        // Nodes: the moment a silent node counts as gone (its heartbeat plus its lease), and a request to stop it.
        // (A job's affinity bucket needs no column here: the claim reads the key and hashes it while it reads.)
        new(6, "node liveness and stop requests", """
            ALTER TABLE conveyor_nodes ADD COLUMN live_until INTEGER NOT NULL DEFAULT 0;
            UPDATE conveyor_nodes SET live_until = heartbeat_at + 30000000;
            ALTER TABLE conveyor_nodes ADD COLUMN stop_requested_at INTEGER;
            ALTER TABLE conveyor_nodes ADD COLUMN slots INTEGER NOT NULL DEFAULT 0;
            """),

        // Batches. The triggers that count children off are not part of the schema: they exist while a batch is open
        // (see Jobs/BatchTriggers.cs), since a trigger costs every update of a job's state about 2 µs, batch or not.
        new(7, "batches", """
            CREATE TABLE conveyor_batches (
                id               INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at       INTEGER NOT NULL,
                callback_job_id  INTEGER NOT NULL,
                total            INTEGER NOT NULL,
                remaining        INTEGER NOT NULL,
                deadline         INTEGER,
                cancelled_at     INTEGER,
                cancel_reason    TEXT
            );

            CREATE INDEX conveyor_batches_callback ON conveyor_batches (callback_job_id);

            CREATE INDEX conveyor_batches_open ON conveyor_batches (deadline) WHERE remaining > 0;

            CREATE INDEX conveyor_jobs_batch ON conveyor_jobs (batch_id, id) WHERE batch_id IS NOT NULL;
            """),

        // One row per recurring schedule: its definition as given, and the tick it last fired, which the leader
        // advances by compare-and-set in the transaction that inserts the tick's job.
        new(8, "recurring schedules (cron)", """
            CREATE TABLE conveyor_cron (
                name           TEXT    PRIMARY KEY,
                expression     TEXT    NOT NULL,
                time_zone      TEXT    NOT NULL,
                kind           TEXT    NOT NULL,
                args           TEXT    NOT NULL,
                options        TEXT    NOT NULL,
                missed_ticks   TEXT    NOT NULL,
                source         TEXT    NOT NULL,
                version        INTEGER NOT NULL,
                created_at     INTEGER NOT NULL,
                updated_at     INTEGER NOT NULL,
                last_tick      INTEGER,
                last_job_id    INTEGER,
                last_fired_at  INTEGER
            ) WITHOUT ROWID;
            """),

        // The W3C trace context of the enqueue, continued by the job's run span (docs/web.md, "Traces").
        new(9, "trace context of the enqueue", """
            ALTER TABLE conveyor_jobs ADD COLUMN trace_parent TEXT;
            ALTER TABLE conveyor_jobs ADD COLUMN trace_state TEXT;
            """),
    ];

    // Version 1 checked the state with IN (…eight values…), which SQLite evaluates by building a
    // temporary b-tree on every insert and every state change (~2 µs each, the largest single cost
    // of a claim or completion). The same rule written as comparisons costs nothing measurable.
    private const string StateCheckV1 =
        "CHECK (state IN ('scheduled', 'waiting', 'available', 'running', 'retrying', 'succeeded', 'dead', 'cancelled'))";

    private const string StateCheckV2 =
        "CHECK (state = 'scheduled' OR state = 'waiting' OR state = 'available' OR state = 'running' OR state = 'retrying' OR state = 'succeeded' OR state = 'dead' OR state = 'cancelled')";

    /// <summary>
    /// Replaces the state CHECK of <c>conveyor_jobs</c> by an equivalent one without rewriting the table,
    /// by SQLite's documented procedure for changes that leave the stored rows valid
    /// (https://sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes"): edit the
    /// table's SQL in sqlite_schema and raise the schema version, so every connection reloads the schema.
    /// </summary>
    private static void RewriteStateCheck(SqliteSession session)
    {
        var version = Convert.ToInt64(session.ScalarOnce("PRAGMA schema_version"), CultureInfo.InvariantCulture);
        session.ExecuteOnce("PRAGMA writable_schema = ON");
        try
        {
            using var rewrite = session.Connection.CreateCommand();
            rewrite.CommandText = "UPDATE sqlite_schema SET sql = replace(sql, $old, $new) WHERE type = 'table' AND name = 'conveyor_jobs'";
            rewrite.Parameters.AddWithValue("$old", StateCheckV1);
            rewrite.Parameters.AddWithValue("$new", StateCheckV2);
            rewrite.Transaction = session.Transaction;
            rewrite.ExecuteNonQuery();
            session.ExecuteOnce(string.Create(CultureInfo.InvariantCulture, $"PRAGMA schema_version = {version + 1}"));
        }
        finally
        {
            session.ExecuteOnce("PRAGMA writable_schema = OFF");
        }
    }

    /// <summary>The version this code reads and writes.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>
    /// Applies the missing steps; returns how many. Must run inside a write transaction.
    /// Refuses a file whose schema is newer than this code knows.
    /// </summary>
    public static int Apply(SqliteSession session)
    {
        session.ExecuteOnce("""
            CREATE TABLE IF NOT EXISTS conveyor_schema_version (
                version      INTEGER PRIMARY KEY,
                description  TEXT NOT NULL
            )
            """);
        var current = CurrentVersion(session);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"the SQLite database '{session.Connection.DataSource}' has Conveyor schema version {current}, newer than this Conveyor understands ({LatestVersion}); upgrade Conveyor"));
        }

        var applied = 0;
        foreach (var migration in All)
        {
            if (migration.Version <= current)
                continue;
            session.ExecuteOnce(migration.Sql);
            migration.Code?.Invoke(session);
            session.Command("INSERT INTO conveyor_schema_version (version, description) VALUES ($version, $description)")
                .Bind("$version", migration.Version)
                .Bind("$description", migration.Description)
                .ExecuteNonQuery();
            applied++;
        }
        return applied;
    }

    /// <summary>The schema version recorded in the file (0 when none); the version table must exist.</summary>
    public static int CurrentVersion(SqliteSession session) =>
        Convert.ToInt32(session.ScalarOnce("SELECT COALESCE(MAX(version), 0) FROM conveyor_schema_version"), CultureInfo.InvariantCulture);

    /// <summary>True when the file already has every step (a read; no transaction needed).</summary>
    public static bool IsCurrent(SqliteSession session)
    {
        var exists = session.ScalarOnce("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'conveyor_schema_version'");
        return exists is not null && CurrentVersion(session) == LatestVersion;
    }
}
