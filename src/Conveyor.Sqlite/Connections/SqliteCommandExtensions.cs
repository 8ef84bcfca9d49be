using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Connections;

/// <summary>Parameter binding for cached commands: the same parameter objects are refilled on each use.</summary>
internal static class SqliteCommandExtensions
{
    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
            parameters.AddWithValue(name, value ?? DBNull.Value);
        else
            parameters[index].Value = value ?? DBNull.Value;
        return command;
    }

    public static long? GetNullableInt64(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
