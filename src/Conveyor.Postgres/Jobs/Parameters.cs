using Npgsql;
using NpgsqlTypes;

namespace Conveyor.Postgres.Jobs;

/// <summary>
/// Typed positional parameters (<c>$1</c>, <c>$2</c>, …). Every parameter names its PostgreSQL type, so a
/// null is typed too and the statement's plan never depends on the values.
/// </summary>
internal static class Parameters
{
    public static NpgsqlParameterCollection Text(this NpgsqlParameterCollection p, string? value)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value });
        return p;
    }

    public static NpgsqlParameterCollection Int(this NpgsqlParameterCollection p, int? value)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = value is { } v ? v : DBNull.Value });
        return p;
    }

    public static NpgsqlParameterCollection Long(this NpgsqlParameterCollection p, long value)
    {
        p.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = value });
        return p;
    }

    public static NpgsqlParameterCollection Bool(this NpgsqlParameterCollection p, bool value)
    {
        p.Add(new NpgsqlParameter<bool> { NpgsqlDbType = NpgsqlDbType.Boolean, TypedValue = value });
        return p;
    }

    public static NpgsqlParameterCollection Time(this NpgsqlParameterCollection p, DateTimeOffset value)
    {
        p.Add(new NpgsqlParameter<DateTime> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = value.UtcDateTime });
        return p;
    }

    public static NpgsqlParameterCollection Jsonb(this NpgsqlParameterCollection p, string? json)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)json ?? DBNull.Value });
        return p;
    }

    public static NpgsqlParameterCollection Texts(this NpgsqlParameterCollection p, IReadOnlyList<string?> values)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values as string?[] ?? [.. values] });
        return p;
    }

    public static NpgsqlParameterCollection Longs(this NpgsqlParameterCollection p, long[] values)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = values });
        return p;
    }

    public static NpgsqlParameterCollection NullableLongs(this NpgsqlParameterCollection p, long?[] values)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = values });
        return p;
    }

    public static NpgsqlParameterCollection Ints(this NpgsqlParameterCollection p, int[] values)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = values });
        return p;
    }

    public static NpgsqlParameterCollection Times(this NpgsqlParameterCollection p, DateTime?[] utcValues)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = utcValues });
        return p;
    }

    public static NpgsqlParameterCollection Intervals(this NpgsqlParameterCollection p, TimeSpan?[] values)
    {
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Interval, Value = values });
        return p;
    }
}
