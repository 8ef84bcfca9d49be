using Microsoft.Data.Sqlite;

/// <summary>The app's own table of sign-ups, in the same SQLite file as the jobs.</summary>
internal static class Signups
{
    public static string ConnectionString(string database) => new SqliteConnectionStringBuilder { DataSource = database }.ToString();

    public static async Task CreateTableAsync(string database)
    {
        await using var connection = new SqliteConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE IF NOT EXISTS signups (email TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL)";
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts the sign-up; false when the email has one already (nothing written).</summary>
    public static async Task<bool> TryInsertAsync(SqliteConnection connection, SqliteTransaction transaction, string email, string name, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO signups (email, name, created_at) VALUES ($email, $name, $now) ON CONFLICT (email) DO NOTHING";
        command.Parameters.AddWithValue("$email", email);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }
}
