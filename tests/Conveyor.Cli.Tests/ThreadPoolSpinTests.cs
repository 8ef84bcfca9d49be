using Conveyor.Cli.Output;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Shouldly;
using Xunit;

namespace Conveyor.Cli.Tests;

public sealed class ThreadPoolSpinTests
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
        ThreadPoolSpin.IsLocalPostgres(StoreUrl.Parse(store)).ShouldBeTrue();
    }

    [Fact]
    public void ThisMachinesName_IsLocal()
    {
        ThreadPoolSpin.IsLocalPostgres(StoreUrl.Parse($"Host={Environment.MachineName};Username=app")).ShouldBeTrue();
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
        ThreadPoolSpin.IsLocalPostgres(StoreUrl.Parse(store)).ShouldBeFalse();
    }

    [Fact]
    public void ASettingTheUserMade_Wins()
    {
        var local = StoreUrl.Parse("postgres://app@127.0.0.1/jobs");

        ThreadPoolSpin.ShouldTurnOff(local, environmentValue: null, configuredValue: null).ShouldBeTrue();
        ThreadPoolSpin.ShouldTurnOff(local, environmentValue: "70", configuredValue: null).ShouldBeFalse();
        ThreadPoolSpin.ShouldTurnOff(local, environmentValue: null, configuredValue: "70").ShouldBeFalse();
        ThreadPoolSpin.ShouldTurnOff(StoreUrl.Parse("sqlite:x.db"), environmentValue: null, configuredValue: null).ShouldBeFalse();
    }

    [Fact]
    public async Task TheCli_TurnsTheSpinOff_ForALocalPostgres_BeforeRunningTheCommand()
    {
        // Only AppContext data of this test process changes; its thread pool has long been running, so the value
        // no longer affects it. The runtime effect is measured in docs/benchmarks.md (sched_yield calls per run).
        var output = new StringWriter();
        var console = CliConsole.Redirected(output, new StringWriter());

        var exit = await new CliApplication(console, debug: false).RunAsync(["--store", "postgres://app@127.0.0.1:1/jobs", "nodes", "--help"]);

        exit.ShouldBe(0);
        output.ToString().ShouldContain("nodes");
        AppContext.GetData(ThreadPoolSpin.SettingName).ShouldBe(0);
    }
}
