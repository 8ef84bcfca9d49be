using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Conveyor.Sqlite.Connections;
using Conveyor.Storage;

namespace Conveyor.Sqlite.Jobs;

/// <summary>
/// New job rows collected as one JSON array and inserted by a single prepared statement that reads
/// them through <c>json_each</c>: one statement and one parameter for many rows, instead of a
/// statement per row or a statement text per batch size.
/// </summary>
internal sealed class JobRowBatch : IDisposable
{
    /// <summary>Rows per statement: large enough to amortise the statement, small enough to keep the text short.</summary>
    public const int MaxRows = 1000;

    private const string InsertSql = """
        INSERT INTO conveyor_jobs (id, kind, queue, state, args, priority, max_attempts, run_at, created_at,
            timeout_us, ordering_key, unique_key, unique_for_us, affinity_key, after_job_id, batch_id, finished_at, errors)
        SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6,
            r.value ->> 7, $now, r.value ->> 8, r.value ->> 9, r.value ->> 10, r.value ->> 11, r.value ->> 12,
            r.value ->> 13, r.value ->> 14, r.value ->> 15, r.value ->> 16
        FROM json_each($rows) AS r
        """;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _writer;

    public JobRowBatch()
    {
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        _writer.WriteStartArray();
    }

    public int Count { get; private set; }

    /// <summary>Adds the row of a new job with the given id and initial state.</summary>
    public void Add(long id, NewJob job, JobState state, long? finishedAt, string errorsJson)
    {
        var w = _writer;
        w.WriteStartArray();
        w.WriteNumberValue(id);
        w.WriteStringValue(job.Kind);
        w.WriteStringValue(job.Queue);
        w.WriteStringValue(state.ToWireName());
        w.WriteStringValue(job.ArgsJson);
        w.WriteNumberValue(job.Priority);
        w.WriteNumberValue(job.MaxAttempts);
        w.WriteNumberValue(UnixMicros.From(job.RunAt));
        WriteNumber(w, UnixMicros.FromSpan(job.Timeout));
        WriteString(w, job.OrderingKey);
        WriteString(w, job.UniqueKey);
        WriteNumber(w, UnixMicros.FromSpan(job.UniqueFor));
        WriteString(w, job.AffinityKey);
        WriteNumber(w, job.AfterJobId);
        WriteNumber(w, job.BatchId);
        WriteNumber(w, finishedAt);
        w.WriteStringValue(errorsJson);
        w.WriteEndArray();
        Count++;
    }

    /// <summary>Inserts the collected rows and starts a new, empty batch.</summary>
    public void Flush(SqliteSession session, long now)
    {
        if (Count == 0)
            return;
        _writer.WriteEndArray();
        _writer.Flush();
        var rows = Encoding.UTF8.GetString(_buffer.WrittenSpan);
        session.Command(InsertSql).Bind("$now", now).Bind("$rows", rows).ExecuteNonQuery();
        _buffer.ResetWrittenCount();
        _writer.Reset();
        _writer.WriteStartArray();
        Count = 0;
    }

    public void Dispose() => _writer.Dispose();

    private static void WriteNumber(Utf8JsonWriter writer, long? value)
    {
        if (value is { } v)
            writer.WriteNumberValue(v);
        else
            writer.WriteNullValue();
    }

    private static void WriteString(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
            writer.WriteNullValue();
        else
            writer.WriteStringValue(value);
    }
}
