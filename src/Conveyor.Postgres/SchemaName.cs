namespace Conveyor.Postgres;

/// <summary>The rules for the store's schema name and its quoted form in SQL.</summary>
internal static class SchemaName
{
    /// <summary>Null when <paramref name="schema"/> is a valid schema name, else why not.</summary>
    public static string? Check(string? schema)
    {
        if (string.IsNullOrEmpty(schema))
            return "the schema name is required";
        if (schema.Length > PostgresStoreOptions.MaxSchemaLength)
            return $"the schema name '{schema}' is longer than {PostgresStoreOptions.MaxSchemaLength} characters";
        if (!(char.IsAsciiLetter(schema[0]) || schema[0] == '_'))
            return $"the schema name '{schema}' must start with a letter or '_'";
        foreach (var c in schema)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                return $"the schema name '{schema}' has the character '{c}'; only A-Z a-z 0-9 _ are allowed";
        }
        if (schema.StartsWith("pg_", StringComparison.OrdinalIgnoreCase))
            return $"the schema name '{schema}' is reserved by PostgreSQL (pg_ prefix)";
        return null;
    }

    /// <summary>The schema as a quoted identifier; the name is validated, so it holds no quote.</summary>
    public static string Quote(string schema) => "\"" + schema + "\"";
}
