namespace Conveyor.Postgres.Schema;

/// <summary>
/// One step of the schema's history. <see cref="Sql"/> names the schema as <c>{s}</c> (replaced by the
/// quoted schema name) and its name as a string literal as <c>{schema}</c>.
/// </summary>
internal sealed record PostgresMigration(int Version, string Description, string Sql)
{
    /// <summary>The step's SQL for one schema.</summary>
    public string For(string schema) =>
        Sql.Replace("{s}", SchemaName.Quote(schema), StringComparison.Ordinal)
           .Replace("{schema}", schema, StringComparison.Ordinal);
}
