using Conveyor.Cli.Stores;
using Shouldly;
using Xunit;

namespace Conveyor.Cli.Tests;

/// <summary>Which stores are a PostgreSQL on this machine (the thread pool's spin and the bench's server CPU depend on it).</summary>
public sealed class LocalPostgresTests
{
    [Theory]
    [InlineData("postgres://app@localhost/jobs")]
    [InlineData("postgres://app:secret@127.0.0.1:5432/jobs")]
    [InlineData("postgresql://app@[::1]:5433/jobs?schema=work")]
    [InlineData("Host=localhost;Username=app;Database=jobs")]
    [InlineData("Host=127.0.0.2,localhost:5433;Username=app")]
    [InlineData("Host=/var/run/postgresql;Username=app")]
    [InlineData("Host=LOCALHOST;Username=app")]
    public void LocalPostgres_IsRecognised(string store)
    {
        LocalPostgres.Is(StoreUrl.Parse(store)).ShouldBeTrue();
    }

    [Fact]
    public void ThisMachinesName_IsLocal()
    {
        LocalPostgres.Is(StoreUrl.Parse($"Host={Environment.MachineName};Username=app")).ShouldBeTrue();
    }

    [Theory]
    [InlineData("postgres://app@db.internal/jobs")]
    [InlineData("postgres://app@10.0.0.5:5432/jobs")]
    [InlineData("Host=localhost,db2;Username=app")]
    [InlineData("Host=[2001:db8::1]:5432;Username=app")]
    [InlineData("postgres://app@localhost/jobs?schema=no-dashes")]
    [InlineData("sqlite:conveyor.db")]
    [InlineData("memory:")]
    public void OtherStores_AreNotLocalPostgres(string store)
    {
        LocalPostgres.Is(StoreUrl.Parse(store)).ShouldBeFalse();
    }
}
