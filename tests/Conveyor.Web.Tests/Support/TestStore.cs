using Npgsql;

namespace Conveyor.Web.Tests.Support;

/// <summary>
/// A fresh store for one test: a SQLite file in a temporary folder, or a schema of its own on the PostgreSQL server of
/// <c>CONVEYOR_TEST_POSTGRES</c> (<c>scripts/with-postgres.sh</c> provides it). Both are removed on dispose.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly string? _folder;
    private readonly string? _schema;
    private readonly string? _connectionString;

    private TestStore(string kind, string? folder, string? connectionString, string? schema)
    {
        Kind = kind;
        _folder = folder;
        _connectionString = connectionString;
        _schema = schema;
    }

    /// <summary>The store kinds every API test runs on.</summary>
    public static TheoryData<string> Kinds => new() { "sqlite", "postgres" };

    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public string Kind { get; }

    /// <summary>The store as <c>--store</c> / <c>CONVEYOR_STORE</c> names it.</summary>
    public string Url => Kind == "sqlite" ? $"sqlite:{Path.Combine(_folder!, "conveyor.db")}" : $"{_connectionString};Schema={_schema}";

    public static TestStore Create(string kind)
    {
        if (kind == "sqlite")
        {
            var folder = Path.Combine(Path.GetTempPath(), "conveyor-web-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(folder);
            return new TestStore(kind, folder, null, null);
        }
        var connectionString = Environment.GetEnvironmentVariable("CONVEYOR_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("CONVEYOR_TEST_POSTGRES is not set: run the tests through scripts/test.sh or scripts/with-postgres.sh");
        return new TestStore(kind, null, connectionString, "webtest_" + Guid.NewGuid().ToString("N")[..16]);
    }

    /// <summary>Points <paramref name="options"/> at this store.</summary>
    public void Apply(ConveyorOptions options)
    {
        if (Kind == "sqlite") options.UseSqlite(Path.Combine(_folder!, "conveyor.db"));
        else options.UsePostgres(Url);
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is not null)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold the file for a moment; the temp folder is cleaned by the system.
            }
        }
        if (_schema is not null)
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
