using System.Collections.Concurrent;
using Conveyor.Storage;

namespace Conveyor.Sqlite.Tests;

/// <summary>
/// Claims lease, and plain successes finish, runs of consecutive ids with one statement each; these tests
/// break the runs every way a batch can (gaps, other queues, cancelled or rescued jobs, ordering keys,
/// mixed attempts, repeated ids) and check that each job still gets exactly its own outcome.
/// </summary>
public sealed class RangeStatementTests
{
    [Fact]
    public async Task Claim_LeasesRunsAndSingleJobs_WhenTheQueueIsInterleavedWithAnother()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        // ids 1..12: queue a gets 1,2,3, 5,6, 8, 10,11,12; queue b gets 4, 7, 9.
        var queues = new[] { "a", "a", "a", "b", "a", "a", "b", "a", "b", "a", "a", "a" };
        await store.InsertManyAsync(Jobs.Insert([.. queues.Select(q => Jobs.New(queue: q))]));

        var claimed = await store.ClaimAsync(Jobs.Claim("n1", 100, queue: "a"));

        claimed.Select(j => j.Id).ShouldBe([1L, 2, 3, 5, 6, 8, 10, 11, 12]);
        claimed.ShouldAllBe(j => j.Attempt == 1);
        var page = await store.ListJobsAsync(new ListJobsParams(Limit: 100));
        page.Jobs.Where(j => j.Queue == "a").ShouldAllBe(j => j.State == JobState.Running && j.Node == "n1" && j.Attempt == 1 && j.LeaseExpiresAt == Jobs.T0.AddSeconds(30));
        page.Jobs.Where(j => j.Queue == "b").ShouldAllBe(j => j.State == JobState.Available && j.Node == null && j.Attempt == 0);
    }

    [Fact]
    public async Task Claim_SkipsOtherKinds_EvenNamesThatContainTheNodesKinds_AndStillFillsItsLimit()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        string[] kinds = ["email", "send_email", "email.v2", "report", "emai", "email"];
        await store.InsertManyAsync(Jobs.Insert([.. Enumerable.Range(0, 30).Select(i => Jobs.New() with { Kind = kinds[i % kinds.Length] })]));
        string[] mine = [new string("email".AsSpan()), "report"];

        var claimed = await store.ClaimAsync(new ClaimJobsParams("n1", Jobs.Queue, mine, 7, Jobs.T0, Jobs.T0.AddSeconds(30)));

        // Kinds by id: 1 email, 2 send_email, 3 email.v2, 4 report, 5 emai, 6 email, 7 email, ...
        claimed.Select(j => j.Id).ShouldBe([1L, 4, 6, 7, 10, 12, 13]);
        claimed.ShouldAllBe(j => ReferenceEquals(j.Kind, mine[0]) || ReferenceEquals(j.Kind, mine[1]));
        var others = (await store.ListJobsAsync(new ListJobsParams(State: JobState.Available, Limit: 100))).Jobs;
        others.Count.ShouldBe(23);
    }

    [Fact]
    public async Task Complete_OfARun_LeavesAJobCancelledMeanwhileAlone_AndFinishesTheOthers()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.InsertManyAsync(Jobs.Insert([.. Enumerable.Range(0, 10).Select(_ => Jobs.New())]));
        var claimed = await store.ClaimAsync(Jobs.Claim("n1", 10));
        (await store.CancelJobAsync(new JobIdParams(5, Jobs.T0))).Status.ShouldBe(JobChangeStatus.Done);

        await store.CompleteManyAsync(new CompleteJobsParams("n1", [.. claimed.Select(j => new JobCompletion(j.Id, j.Attempt, JobOutcome.Succeeded))], Jobs.T0.AddSeconds(1)));

        var jobs = (await store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs.ToDictionary(j => j.Id);
        jobs[5].State.ShouldBe(JobState.Cancelled);
        jobs[5].FinishedAt.ShouldBe(Jobs.T0);
        jobs.Values.Where(j => j.Id != 5).ShouldAllBe(j => j.State == JobState.Succeeded && j.FinishedAt == Jobs.T0.AddSeconds(1) && j.ResultJson == null);
    }

    [Fact]
    public async Task Complete_OfARun_AnnouncesTheQueueOfAJobWithAnOrderingKey_AndReleasesItsSuccessor()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        // 1..4 plain, 5 keyed, 6 plain, 7 keyed (waits for 5 by its key).
        var jobs = Enumerable.Range(1, 7).Select(i => i is 5 or 7 ? Jobs.New(queue: "q") with { OrderingKey = "k" } : Jobs.New(queue: "q")).ToArray();
        await store.InsertManyAsync(Jobs.Insert(jobs));
        var claimed = await store.ClaimAsync(Jobs.Claim("n1", 10, queue: "q"));
        claimed.Select(j => j.Id).ShouldBe([1L, 2, 3, 4, 5, 6]);
        var heard = new ConcurrentQueue<string>();
        await using var subscription = await store.Notifier!.SubscribeAsync(heard.Enqueue);

        await store.CompleteManyAsync(new CompleteJobsParams("n1", [.. claimed.Select(j => new JobCompletion(j.Id, j.Attempt, JobOutcome.Succeeded))], Jobs.T0));

        heard.ShouldContain("q");
        (await store.ListJobsAsync(new ListJobsParams(State: JobState.Succeeded, Limit: 100))).Jobs.Count.ShouldBe(6);
        (await store.ClaimAsync(Jobs.Claim("n1", 10, queue: "q"))).Select(j => j.Id).ShouldBe([7L]);
    }

    [Fact]
    public async Task Complete_WithMixedAttemptsRepeatedIdsAndResults_AppliesEachCompletionOnce()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.InsertManyAsync(Jobs.Insert([.. Enumerable.Range(0, 8).Select(_ => Jobs.New())]));
        // Job 4 fails once and is claimed again: it runs attempt 2 while its neighbours run attempt 1.
        var first = await store.ClaimAsync(Jobs.Claim("n1", 8));
        await store.CompleteManyAsync(new CompleteJobsParams("n1", [new JobCompletion(4, 1, JobOutcome.Retry, Error: new JobError(1, Jobs.T0, "E", "boom", null))], Jobs.T0));
        await store.PromoteDueJobsAsync(new PromoteDueJobsParams(Jobs.T0.AddSeconds(1), 100));
        (await store.ClaimAsync(Jobs.Claim("n1", 8) with { Now = Jobs.T0.AddSeconds(1) })).Select(j => (j.Id, j.Attempt)).ShouldBe([(4L, 2)]);

        await store.CompleteManyAsync(new CompleteJobsParams("n1",
        [
            new JobCompletion(1, 1, JobOutcome.Succeeded),
            new JobCompletion(2, 1, JobOutcome.Succeeded),
            new JobCompletion(2, 1, JobOutcome.Succeeded),
            new JobCompletion(3, 1, JobOutcome.Succeeded, ResultJson: "{\"r\":3}"),
            new JobCompletion(4, 1, JobOutcome.Succeeded), // stale attempt: fenced out
            new JobCompletion(4, 2, JobOutcome.Succeeded),
            new JobCompletion(5, 1, JobOutcome.Succeeded),
            new JobCompletion(6, 1, JobOutcome.Succeeded),
            new JobCompletion(7, 2, JobOutcome.Succeeded), // wrong attempt: fenced out
            new JobCompletion(8, 1, JobOutcome.Dead, Error: new JobError(1, Jobs.T0, "E", "dead", null)),
        ], Jobs.T0.AddSeconds(2)));

        var jobs = (await store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs.ToDictionary(j => j.Id);
        foreach (var id in new long[] { 1, 2, 3, 4, 5, 6 })
            jobs[id].State.ShouldBe(JobState.Succeeded, $"job {id}");
        jobs[3].ResultJson.ShouldBe("{\"r\":3}");
        jobs[4].Attempt.ShouldBe(2);
        jobs[7].State.ShouldBe(JobState.Running);
        jobs[8].State.ShouldBe(JobState.Dead);
        first.Count.ShouldBe(8);
    }

    [Fact]
    public async Task Complete_OfARun_OnAnotherNodesJobs_ChangesNothing()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.InsertManyAsync(Jobs.Insert([.. Enumerable.Range(0, 5).Select(_ => Jobs.New())]));
        var claimed = await store.ClaimAsync(Jobs.Claim("n1", 5));

        await store.CompleteManyAsync(new CompleteJobsParams("n2", [.. claimed.Select(j => new JobCompletion(j.Id, j.Attempt, JobOutcome.Succeeded))], Jobs.T0));

        (await store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs.ShouldAllBe(j => j.State == JobState.Running && j.Node == "n1");
    }
}
