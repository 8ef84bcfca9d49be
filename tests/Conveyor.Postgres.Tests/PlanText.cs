using Npgsql;

namespace Conveyor.Postgres.Tests;

/// <summary>Runs an <c>EXPLAIN</c> command and returns its plan as one text, a line per plan line.</summary>
internal static class PlanText
{
    public static async Task<string> ReadAsync(NpgsqlCommand explain)
    {
        var lines = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                lines.Add(reader.GetString(0));
        }
        return string.Join('\n', lines);
    }
}
