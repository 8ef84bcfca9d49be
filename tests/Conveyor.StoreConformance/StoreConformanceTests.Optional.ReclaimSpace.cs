using System.Text.Json;
using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// Reclaiming space (ISpaceReclaimer): housekeeping only. A store without the capability reports the test as skipped.
public abstract partial class StoreConformanceTests
{
    [SkippableFact]
    public async Task ReclaimSpace_WhenOffered_ChangesNoJob_AndClaimsGoOnInClaimOrder()
    {
        var reclaimer = Require(Store.SpaceReclaimer, "reclaims no space (IJobStore.SpaceReclaimer is null: its indexes drop entries as rows change)");
        var succeeded = await InsertFinishedAsync(JobOutcome.Succeeded);
        var dead = await InsertFinishedAsync(JobOutcome.Dead);
        var running = await InsertAndClaimAsync();
        var claimedAndReleased = await InsertAndClaimAsync();
        await CompleteAsync(claimedAndReleased, JobOutcome.Released);
        var scheduled = await InsertAsync(TestJobs.Scheduled(TestTime.At(3600)));
        var low = await InsertAsync(TestJobs.New() with { Priority = 0 });
        var high = await InsertAsync(TestJobs.New() with { Priority = 5 });
        long[] ids = [succeeded, dead, running.Id, scheduled, low, high, claimedAndReleased.Id];
        var before = new List<string>();
        foreach (var id in ids) before.Add(JsonSerializer.Serialize(await GetAsync(id)));

        await reclaimer.ReclaimSpaceAsync(new ReclaimSpaceParams(Force: true));

        for (var i = 0; i < ids.Length; i++)
            JsonSerializer.Serialize(await GetAsync(ids[i])).ShouldBe(before[i], $"job {ids[i]}");
        (await ClaimAsync()).Select(c => c.Id).ShouldBe([high, claimedAndReleased.Id, low]);
    }
}
