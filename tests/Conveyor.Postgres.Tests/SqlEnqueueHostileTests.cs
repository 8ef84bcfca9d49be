using Conveyor.Storage;
using FsCheck;
using FsCheck.Fluent;
using Npgsql;
using NpgsqlTypes;

namespace Conveyor.Postgres.Tests;

/// <summary>
/// <c>SCHEMA.enqueue(…)</c> called with parameters holding hostile values (FsCheck): SQL metacharacters, control characters,
/// NUL, text that is not JSON, long strings, out-of-range numbers. Each call stores one job holding exactly what was sent,
/// returns the job holding its unique key, or fails with a data error and stores nothing; the connection stays usable.
/// </summary>
public sealed class SqlEnqueueHostileTests
{
    /// <summary>The SQLSTATEs of a refused value: invalid parameter (enqueue's own checks), bad JSON text, NUL in text or jsonb.</summary>
    private static readonly string[] DataErrors =
        [PostgresErrorCodes.InvalidParameterValue, PostgresErrorCodes.InvalidTextRepresentation, PostgresErrorCodes.CharacterNotInRepertoire,
         PostgresErrorCodes.UntranslatableCharacter];

    private sealed record Call(string? Kind, string? Args, string? Queue, int? Priority, int? MaxAttempts, string? OrderingKey, string? UniqueKey)
    {
        public override string ToString() =>
            $"kind={Show(Kind)} args={Show(Args)} queue={Show(Queue)} priority={Priority} max_attempts={MaxAttempts} ordering_key={Show(OrderingKey)} unique_key={Show(UniqueKey)}";

        private static string Show(string? text) => text is null ? "null" : text.Length > 60 ? $"'{text[..60]}…' ({text.Length} chars)" : $"'{text}'";
    }

    [Fact]
    public async Task Hostile_parameters_store_exactly_what_was_sent_or_fail_with_a_data_error_and_store_nothing()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        await using var connection = await schema.OpenConnectionAsync();
        var (stored, refused) = (0, 0);
        var holders = new Dictionary<string, long>(StringComparer.Ordinal);

        foreach (var call in Calls().Sample(400))
        {
            var before = await CountAsync(connection, schema.Name);
            long id;
            try
            {
                await using var command = new NpgsqlCommand(
                    $"SELECT \"{schema.Name}\".enqueue(kind => $1, args => $2::jsonb, queue => COALESCE($3, 'default'), priority => COALESCE($4, 0), " +
                    "max_attempts => $5, ordering_key => $6, unique_key => $7)", connection);
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)call.Kind ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)call.Args ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)call.Queue ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)call.Priority ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)call.MaxAttempts ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)call.OrderingKey ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)call.UniqueKey ?? DBNull.Value });
                id = (long)(await command.ExecuteScalarAsync())!;
            }
            catch (PostgresException e)
            {
                e.SqlState.ShouldBeOneOf(DataErrors, $"{call}: {e.SqlState} {e.MessageText}");
                e.MessageText.ShouldNotBeNullOrWhiteSpace();
                (await CountAsync(connection, schema.Name)).ShouldBe(before, call.ToString());
                refused++;
                continue;
            }

            var job = (await store.GetJobAsync(new GetJobParams(id))).ShouldNotBeNull(call.ToString());
            if (call.UniqueKey is not null && holders.TryGetValue(call.UniqueKey, out var holder))
            {
                // The key was taken (no job here ever ends): the job that holds it came back and nothing was added.
                id.ShouldBe(holder, call.ToString());
                job.UniqueKey.ShouldBe(call.UniqueKey, call.ToString());
                (await CountAsync(connection, schema.Name)).ShouldBe(before, call.ToString());
                continue;
            }
            if (call.UniqueKey is not null) holders[call.UniqueKey] = id;
            (await CountAsync(connection, schema.Name)).ShouldBe(before + 1, call.ToString());
            job.Kind.ShouldBe(call.Kind, call.ToString());
            job.Queue.ShouldBe(call.Queue ?? "default", call.ToString());
            job.OrderingKey.ShouldBe(call.OrderingKey, call.ToString());
            job.UniqueKey.ShouldBe(call.UniqueKey, call.ToString());
            SameJson(job.ArgsJson, call.Args).ShouldBeTrue($"{call}: stored {job.ArgsJson}");
            stored++;
        }

        stored.ShouldBeGreaterThan(20, $"stored {stored}, refused {refused}");
        refused.ShouldBeGreaterThan(20, $"stored {stored}, refused {refused}");
        (await CountAsync(connection, schema.Name)).ShouldBeGreaterThanOrEqualTo(stored);
    }

    /// <summary>enqueue() takes args nested deeper than the C# validator's 64 levels (see docs/reliability-input-and-soak.md).</summary>
    internal static readonly System.Text.Json.JsonDocumentOptions Deep = new() { MaxDepth = 1024 };

    private static async Task<long> CountAsync(NpgsqlConnection connection, string schema)
    {
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".jobs", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Whether the stored args are the sent ones (jsonb changes spacing and key order, not content).</summary>
    private static bool SameJson(string stored, string? sent)
    {
        using var a = System.Text.Json.JsonDocument.Parse(stored, Deep);
        using var b = System.Text.Json.JsonDocument.Parse(sent ?? "{}", Deep);
        return System.Text.Json.JsonElement.DeepEquals(a.RootElement, b.RootElement);
    }

    private static Gen<Call> Calls()
    {
        var text = Gen.OneOf(
            Gen.Elements("k", "report.build", "a b", "'; DROP TABLE jobs; --", "\" OR 1=1 --", "$1", "%_\\", "naïve", "😀", "", "a\0b",
                "\u0001\u001b[2J", new string('k', 128), new string('k', 129), new string('x', 256), new string('é', 10_000)),
            Gen.Choose(0, 20).SelectMany(n => Gen.ListOf(Gen.Frequency(
                [(6, Gen.Choose(0x20, 0x7E).Select(i => (char)i)), (2, Gen.Choose(1, 0x1F).Select(i => (char)i)), (1, Gen.Choose(0xA0, 0xD7FF).Select(i => (char)i))]), n))
                .Select(chars => new string([.. chars])));
        var optional = Gen.Frequency([(1, Gen.Constant<string?>(null)), (2, text.Select(t => (string?)t))]);
        var validKind = Gen.Elements<string?>("k", "report.build", "a:b-c_d.e");
        var args = Gen.OneOf(
            Gen.Elements<string?>(null, "{}", "[]", "[1,2,{\"a\":null}]", "42", "\"s\"", "null", "{", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}", "not json",
                "{\"q\":\"'; DROP TABLE jobs; --\"}", "{\"deep\":" + new string('[', 500) + new string(']', 500) + "}"),
            text.Select(t => (string?)System.Text.Json.JsonSerializer.Serialize(new { t })));
        var number = Gen.Frequency([(2, Gen.Constant<int?>(null)), (3, Gen.Choose(-5, 5).Select(i => (int?)i)),
            (1, Gen.Elements<int?>(int.MinValue, int.MaxValue, 1000, 1001, -1000, -1001, 0))]);
        return
            from kind in Gen.Frequency([(2, validKind), (1, optional)])
            from a in args
            from queue in Gen.Frequency([(3, Gen.Constant<string?>(null)), (1, optional)])
            from priority in number
            from maxAttempts in number
            from orderingKey in Gen.Frequency([(3, Gen.Constant<string?>(null)), (1, optional)])
            from uniqueKey in Gen.Frequency([(3, Gen.Constant<string?>(null)), (1, optional)])
            select new Call(kind, a, queue, priority, maxAttempts, orderingKey, uniqueKey);
    }
}
