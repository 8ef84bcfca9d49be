using Npgsql;

namespace Conveyor.Postgres.Tests;

public sealed class ConnectionStringTests
{
    private static NpgsqlConnectionStringBuilder Parsed(string value, out string schema)
    {
        var options = PostgresConnectionString.Parse(value);
        schema = options.Schema;
        return new NpgsqlConnectionStringBuilder(options.ConnectionString);
    }

    [Fact]
    public void Url_WithEveryPart()
    {
        var b = Parsed("postgres://app:s3cret@db.example.com:6432/jobs?schema=work&sslmode=require&application_name=api", out var schema);

        b.Host.ShouldBe("db.example.com");
        b.Port.ShouldBe(6432);
        b.Username.ShouldBe("app");
        b.Password.ShouldBe("s3cret");
        b.Database.ShouldBe("jobs");
        b.SslMode.ShouldBe(SslMode.Require);
        b.ApplicationName.ShouldBe("api");
        schema.ShouldBe("work");
    }

    [Fact]
    public void Url_PostgresqlScheme_DefaultsAndPercentEncoding()
    {
        var b = Parsed("postgresql://us%40er:p%3Ass%2Fw@localhost/my%20db", out var schema);

        b.Host.ShouldBe("localhost");
        b.Port.ShouldBe(5432);
        b.Username.ShouldBe("us@er");
        b.Password.ShouldBe("p:ss/w");
        b.Database.ShouldBe("my db");
        schema.ShouldBe(PostgresStoreOptions.DefaultSchema);
    }

    [Fact]
    public void Url_WithIpv6AndSeveralHosts()
    {
        var v6 = Parsed("postgres://u@[::1]:5433/db", out _);
        v6.Host.ShouldBe("::1");
        v6.Port.ShouldBe(5433);
        Parsed("postgres://u@h1:5432,h2:5433/db", out _).Host.ShouldBe("h1:5432,h2:5433");
    }

    [Fact]
    public void Url_PassesNpgsqlKeywordsThrough()
    {
        Parsed("postgres://u@h/db?Maximum%20Pool%20Size=7", out _).MaxPoolSize.ShouldBe(7);
    }

    [Fact]
    public void KeyValueString_IsKept_AndMayNameTheSchema()
    {
        var b = Parsed("Host=h;Port=5433;Username=u;Password=p;Database=d;Schema=jobs_v2", out var schema);

        b.Host.ShouldBe("h");
        b.Port.ShouldBe(5433);
        b.Database.ShouldBe("d");
        schema.ShouldBe("jobs_v2");
    }

    [Theory]
    [InlineData("")]
    [InlineData("postgres://u@h:99999/db")]
    [InlineData("postgres://u@h/db?schema=bad-name")]
    [InlineData("postgres://u@h/db?no_such_setting=1")]
    [InlineData("Host=h;NoSuchKeyword=1")]
    [InlineData("Host=h;Schema=1x")]
    public void InvalidValues_AreRefusedWithAClearError(string value)
    {
        Should.Throw<ArgumentException>(() => PostgresConnectionString.Parse(value)).Message.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Errors_DoNotShowThePassword()
    {
        var error = Should.Throw<ArgumentException>(() => PostgresConnectionString.Parse("postgres://u:topsecret@h:0/db"));

        error.Message.ShouldNotContain("topsecret");
    }

    [Fact]
    public void IsUrl_TellsUrlsFromKeyValueStrings()
    {
        PostgresConnectionString.IsUrl("postgres://h/db").ShouldBeTrue();
        PostgresConnectionString.IsUrl("POSTGRESQL://h/db").ShouldBeTrue();
        PostgresConnectionString.IsUrl("Host=h").ShouldBeFalse();
    }

    [Theory]
    [InlineData("postgres://u@h/db?schema=w&vacuum_after_dead_rows=0", 0)]
    [InlineData("postgres://u@h/db?VACUUM_AFTER_DEAD_ROWS=250000&sslmode=disable", 250_000)]
    [InlineData("Host=h;Database=db;vacuum_after_dead_rows=5000", 5_000)]
    [InlineData("postgres://u@h/db", PostgresStoreOptions.DefaultVacuumAfterDeadRows)]
    [InlineData("Host=h;Database=db", PostgresStoreOptions.DefaultVacuumAfterDeadRows)]
    public void VacuumAfterDeadRows_IsAStoreSetting_InEitherForm_AndNotPassedToNpgsql(string value, int expected)
    {
        var options = PostgresConnectionString.Parse(value);

        options.VacuumAfterDeadRows.ShouldBe(expected);
        options.ConnectionString.ShouldNotContain("vacuum", Case.Insensitive);
    }

    [Theory]
    [InlineData("postgres://u@h/db?vacuum_after_dead_rows=-1", "-1")]
    [InlineData("postgres://u@h/db?vacuum_after_dead_rows=lots", "lots")]
    [InlineData("Host=h;vacuum_after_dead_rows=1.5", "1.5")]
    public void VacuumAfterDeadRows_ThatIsNotAWholeNumber_IsRefusedByName(string value, string given)
    {
        var error = Should.Throw<ArgumentException>(() => PostgresConnectionString.Parse(value));

        error.Message.ShouldContain("vacuum_after_dead_rows");
        error.Message.ShouldContain($"'{given}'");
    }
}
