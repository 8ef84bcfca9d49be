using Conveyor.Cli.Output;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Shouldly;
using Xunit;

namespace Conveyor.Cli.Tests;

public sealed class ThreadPoolSpinTests
{
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
