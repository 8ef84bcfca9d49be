using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Migrate_IsIdempotent()
    {
        await Store.MigrateAsync();
        await Store.MigrateAsync();

        var id = await InsertAsync(TestJobs.New());
        (await GetAsync(id)).State.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task Insert_RoundTripsEveryField()
    {
        var parent = await InsertAsync(TestJobs.New());
        var createdAt = TestTime.At(0.123);
        var job = new NewJob
        {
            Kind = "mail.send:v2",
            Queue = "smtp-eu",
            ArgsJson = """{"to":"a@example.com","n":[1,2.5,{"x":null,"y":"é\"q"}],"ok":true}""",
            Priority = -7,
            MaxAttempts = 5,
            State = JobState.Scheduled,
            RunAt = TestTime.At(3600.456),
            Timeout = TimeSpan.FromMilliseconds(90_250),
            OrderingKey = "order-1",
            UniqueKey = "unique-1",
            UniqueFor = TimeSpan.FromHours(1),
            AffinityKey = "tenant-9",
            AfterJobId = parent,
        };

        var id = await InsertAsync(job, createdAt);
        var stored = await GetAsync(id);

        stored.Id.ShouldBe(id);
        stored.Kind.ShouldBe("mail.send:v2");
        stored.Queue.ShouldBe("smtp-eu");
        stored.ArgsJson.ShouldBeSameJson(job.ArgsJson);
        stored.Priority.ShouldBe(-7);
        stored.MaxAttempts.ShouldBe(5);
        stored.Attempt.ShouldBe(0);
        stored.State.ShouldBe(JobState.Waiting);
        stored.RunAt.ShouldBe(TestTime.At(3600.456));
        stored.CreatedAt.ShouldBe(createdAt);
        stored.Timeout.ShouldBe(TimeSpan.FromMilliseconds(90_250));
        stored.OrderingKey.ShouldBe("order-1");
        stored.UniqueKey.ShouldBe("unique-1");
        stored.AffinityKey.ShouldBe("tenant-9");
        stored.AfterJobId.ShouldBe(parent);
        stored.StartedAt.ShouldBeNull();
        stored.FinishedAt.ShouldBeNull();
        stored.Node.ShouldBeNull();
        stored.LeaseExpiresAt.ShouldBeNull();
        stored.Progress.ShouldBeNull();
        stored.ResultJson.ShouldBeNull();
        stored.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Insert_KeepsTheGivenState()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.Scheduled(TestTime.At(60)));

        (await GetAsync(ids[0])).State.ShouldBe(JobState.Available);
        (await GetAsync(ids[1])).State.ShouldBe(JobState.Scheduled);
    }

    [Fact]
    public async Task InsertMany_ReturnsIdsInInputOrder_Increasing()
    {
        var jobs = Enumerable.Range(0, 20).Select(i => TestJobs.New(argsJson: $$"""{"i":{{i}}}""")).ToArray();

        var inserted = await Store.InsertManyAsync(new InsertJobsParams(jobs, TestTime.T0));
        var later = await InsertAsync(TestJobs.New());

        inserted.Count.ShouldBe(20);
        inserted.ShouldAllBe(i => !i.Existing);
        for (var i = 1; i < inserted.Count; i++)
            inserted[i].Id.ShouldBeGreaterThan(inserted[i - 1].Id);
        later.ShouldBeGreaterThan(inserted[^1].Id);
        for (var i = 0; i < inserted.Count; i++)
            (await GetAsync(inserted[i].Id)).ArgsJson.ShouldBeSameJson($$"""{"i":{{i}}}""");
    }

    [Fact]
    public async Task GetJob_UnknownId_ReturnsNull()
    {
        await InsertAsync(TestJobs.New());

        (await Store.GetJobAsync(new GetJobParams(987_654_321))).ShouldBeNull();
    }
}
