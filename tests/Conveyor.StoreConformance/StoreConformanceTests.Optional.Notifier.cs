using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// The optional notifier role (IJobStore.Notifier).
public abstract partial class StoreConformanceTests
{
    [SkippableFact]
    public async Task Notifier_WhenOffered_SignalsTheQueueOfInsertedJobs()
    {
        var notifier = RequireNotifier();
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await notifier.SubscribeAsync(queue =>
        {
            if (queue == "notified") signalled.TrySetResult();
        });

        await InsertAsync(TestJobs.New(queue: "notified"));

        await signalled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
