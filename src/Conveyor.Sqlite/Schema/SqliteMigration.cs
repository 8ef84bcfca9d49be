using Conveyor.Sqlite.Connections;

namespace Conveyor.Sqlite.Schema;

/// <summary>One step of the schema: applied once, in version order, inside the migrating transaction.</summary>
/// <param name="Version">The schema version this step produces (1, 2, …).</param>
/// <param name="Description">What it does, as recorded in <c>conveyor_schema_version</c>.</param>
/// <param name="Sql">The statements.</param>
/// <param name="Code">Work that plain SQL cannot express, run after <paramref name="Sql"/> in the same transaction.</param>
internal sealed record SqliteMigration(int Version, string Description, string Sql, Action<SqliteSession>? Code = null);
