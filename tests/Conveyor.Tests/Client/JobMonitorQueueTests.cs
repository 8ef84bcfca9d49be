using Conveyor.Tests.Support;

namespace Conveyor.Tests.Client;

public sealed class JobMonitorQueueTests
{
    [Fact]
    public async Task IsKnownQueue_OnceAJobUsedIt_OrItHasSettings_NotForANameNeverSeen()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => Task.CompletedTask));

        (await node.Monitor.IsKnownQueueAsync("mail")).ShouldBeFalse("no job, node or settings used it");
        await node.Client.EnqueueAsync(new JobRequest("test.noop", Options: new JobOptions { Queue = "mail" }));
        (await node.Monitor.IsKnownQueueAsync("mail")).ShouldBeTrue("a job uses it");

        await node.Monitor.PauseQueueAsync("reports");
        (await node.Monitor.IsKnownQueueAsync("reports")).ShouldBeTrue("it has settings");
        (await node.Monitor.IsKnownQueueAsync("mial")).ShouldBeFalse();
        await Should.ThrowAsync<Validation.JobValidationException>(async () => await node.Monitor.IsKnownQueueAsync("bad name!"));
    }
}
