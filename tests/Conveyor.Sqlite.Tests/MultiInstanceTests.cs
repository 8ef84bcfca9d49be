using Conveyor.Storage;

namespace Conveyor.Sqlite.Tests;

/// <summary>Several stores on one file stand for several processes: each has its own connections and locks.</summary>
public sealed class MultiInstanceTests
{
    [Fact]
    public async Task Claims_FromSeveralStoresOnOneFile_NeverReturnAJobTwice()
    {
        const int jobCount = 1500;
        await using var db = new TempDatabase();
        var stores = Enumerable.Range(0, 4).Select(_ => db.OpenStore()).ToList();
        await stores[0].MigrateAsync();
        var ids = (await stores[0].InsertManyAsync(new InsertJobsParams(
            Enumerable.Range(0, jobCount).Select(_ => Jobs.New()).ToList(), Jobs.T0))).Select(i => i.Id).ToList();

        // Two claimers per store, so claims race both inside one store and across stores.
        var claimers = stores.SelectMany((store, s) => Enumerable.Range(0, 2).Select(c => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (true)
            {
                var claimed = await store.ClaimAsync(Jobs.Claim($"node-{s}-{c}", 7));
                if (claimed.Count == 0)
                    return mine;
                mine.AddRange(claimed.Select(j => j.Id));
            }
        }))).ToList();
        var results = await Task.WhenAll(claimers);

        var all = results.SelectMany(r => r).ToList();
        all.Count.ShouldBe(jobCount);
        all.Distinct().Count().ShouldBe(jobCount, "a job was claimed twice");
        all.Order().ShouldBe(ids);
        results.Count(r => r.Count > 0).ShouldBeGreaterThan(1, "the claimers should have shared the work");
    }

    [Fact]
    public async Task Inserts_FromSeveralStoresOnOneFile_GetDistinctIds()
    {
        await using var db = new TempDatabase();
        var stores = Enumerable.Range(0, 3).Select(_ => db.OpenStore()).ToList();
        await stores[0].MigrateAsync();

        var results = await Task.WhenAll(stores.SelectMany(store => Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New(), Jobs.New(), Jobs.New()], Jobs.T0))))));

        var ids = results.SelectMany(r => r.Select(i => i.Id)).ToList();
        ids.Count.ShouldBe(180);
        ids.Distinct().Count().ShouldBe(180);
        (await stores[1].ListQueuesAsync(new ListQueuesParams())).Single().Counts[JobState.Available].ShouldBe(180);
    }

    [Fact]
    public async Task Leadership_IsHeldByOneStoreAtATime()
    {
        await using var db = new TempDatabase();
        var stores = Enumerable.Range(0, 4).Select(_ => db.OpenStore()).ToList();
        await stores[0].MigrateAsync();

        var won = await Task.WhenAll(stores.Select((store, i) => Task.Run(() =>
            store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams($"node-{i}", Jobs.T0, TimeSpan.FromSeconds(10))))));

        won.Count(w => w).ShouldBe(1);
        var leader = await stores[3].LeaderElector.GetLeaderAsync(new GetLeaderParams(Jobs.T0));
        leader.ShouldBe($"node-{Array.IndexOf(won, true)}");
    }
}
