using Conveyor.Tests.Support;
using Conveyor.Validation;

namespace Conveyor.Tests.Client;

public sealed class ValidationTests
{
    private static TestNode Node(Action<ConveyorOptions>? conveyor = null) => TestNode.Create(b => b.AddJob("x", () => { }), conveyor: conveyor);

    [Theory]
    [InlineData("", "kind", "kind is required")]
    [InlineData("send email", "kind", "has the character ' '")]
    [InlineData("naïve", "kind", "has the character 'ï'")]
    public async Task BadKind_IsRejectedWithTheField(string kind, string field, string message)
    {
        await using var node = Node();
        var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest(kind)));
        error.Field.ShouldBe(field);
        error.Reason.ShouldContain(message);
    }

    [Fact]
    public async Task KindLongerThan128_IsRejected()
    {
        await using var node = Node();
        var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest(new string('k', 129))));
        error.Reason.ShouldBe("kind is longer than 128 characters");
        (await node.Client.EnqueueAsync(new JobRequest(new string('k', 128)))).Id.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("default queue")]
    [InlineData("q/1")]
    public async Task BadQueue_IsRejected(string queue)
    {
        await using var node = Node();
        var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { Queue = queue })));
        error.Field.ShouldBe("queue");
    }

    [Theory]
    [InlineData("42", "must be a JSON object or array")]
    [InlineData("\"text\"", "must be a JSON object or array")]
    [InlineData("null", "must be a JSON object or array")]
    [InlineData("{\"a\": ", "not valid JSON")]
    [InlineData("{} {}", "found more after it")]
    public async Task ArgsThatAreNotAJsonObjectOrArray_AreRejected(string args, string message)
    {
        await using var node = Node();
        var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest("x", args)));
        error.Field.ShouldBe("args");
        error.Reason.ShouldContain(message);
    }

    [Fact]
    public async Task ArgsOverThePayloadLimit_AreRejected_AndTheLimitIsConfigurable()
    {
        await using var node = Node(o => o.MaxPayloadBytes = 100);
        var big = $$"""{"data": "{{new string('a', 100)}}"}""";
        var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest("x", big)));
        error.Reason.ShouldContain("the limit is 100");
        (await node.Client.EnqueueAsync(new JobRequest("x", """{"data": "small"}"""))).Id.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task DefaultPayloadLimit_IsOneMebibyte()
    {
        await using var node = Node();
        var justOver = $$"""{"d":"{{new string('a', 1024 * 1024)}}"}""";
        (await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest("x", justOver)))).Reason.ShouldContain("the limit is 1048576");
    }

    [Fact]
    public async Task UnknownOrOutOfRangeOptionValues_AreRejected_AndNothingIsStored()
    {
        await using var node = Node();
        var cases = new (JobOptions Options, string Field)[]
        {
            (new JobOptions { MaxAttempts = 0 }, "maxAttempts"),
            (new JobOptions { Priority = 5000 }, "priority"),
            (new JobOptions { Timeout = TimeSpan.Zero }, "timeout"),
            (new JobOptions { Delay = TimeSpan.FromSeconds(-1) }, "delay"),
            (new JobOptions { Delay = TimeSpan.FromSeconds(1), RunAt = DateTimeOffset.UtcNow }, "runAt"),
            (new JobOptions { OrderingKey = "" }, "orderingKey"),
            (new JobOptions { UniqueFor = TimeSpan.FromMinutes(1) }, "uniqueFor"),
            (new JobOptions { After = -3 }, "after"),
        };
        foreach (var (options, field) in cases)
        {
            var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest("x", "{}", options)));
            error.Field.ShouldBe(field);
        }
        (await node.Client.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task DelayRunAtAndUniqueFor_BeyondOneHundredYears_AreRejectedWithTheField_AndNothingIsStored()
    {
        await using var node = Node();
        var cases = new (JobOptions Options, string Field)[]
        {
            (new JobOptions { Delay = TimeSpan.MaxValue }, "delay"),
            (new JobOptions { Delay = TimeSpan.FromDays(36_526) }, "delay"),
            (new JobOptions { RunAt = DateTimeOffset.MaxValue }, "runAt"),
            (new JobOptions { RunAt = DateTimeOffset.UtcNow.AddDays(36_526) }, "runAt"),
            (new JobOptions { UniqueKey = "u", UniqueFor = TimeSpan.MaxValue }, "uniqueFor"),
            (new JobOptions { UniqueKey = "u", UniqueFor = TimeSpan.FromDays(36_526) }, "uniqueFor"),
        };
        foreach (var (options, field) in cases)
        {
            var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest("x", "{}", options)));
            error.Field.ShouldBe(field);
            error.Reason.ShouldContain("at most 100 years (36525 days)");
        }
        (await node.Client.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task DelayRunAtAndUniqueFor_OfOneHundredYears_AreAccepted()
    {
        await using var node = Node();
        var delayed = await node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { Delay = TimeSpan.FromDays(36_525) }));
        var atTheHorizon = await node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { RunAt = DateTimeOffset.UtcNow.AddDays(36_524) }));
        var unique = await node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { UniqueKey = "u", UniqueFor = TimeSpan.FromDays(36_525) }));

        (await node.Client.GetAsync(delayed.Id)).ShouldNotBeNull().State.ShouldBe(JobState.Scheduled);
        (await node.Client.GetAsync(atTheHorizon.Id)).ShouldNotBeNull().State.ShouldBe(JobState.Scheduled);
        (await node.Client.GetAsync(unique.Id)).ShouldNotBeNull().State.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task OneBadJobInABulk_RejectsTheWholeBulk_NamingItsIndex()
    {
        await using var node = Node();
        var requests = new[] { new JobRequest("x"), new JobRequest("x", "[1]"), new JobRequest("bad kind") };
        var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueManyAsync(requests));
        error.Field.ShouldBe("jobs[2].kind");
        (await node.Client.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task ListWithBadLimitOrCursor_IsRejected()
    {
        await using var node = Node();
        (await Should.ThrowAsync<JobValidationException>(() => node.Client.ListAsync(new JobQuery { Limit = 0 }))).Field.ShouldBe("limit");
        (await Should.ThrowAsync<JobValidationException>(() => node.Client.ListAsync(new JobQuery { Cursor = "abc" }))).Field.ShouldBe("cursor");
    }

    [Fact]
    public void ConveyorWithoutAStore_FailsAtSetupWithAClearMessage()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var error = Should.Throw<InvalidOperationException>(() => services.AddConveyor(_ => { }));
        error.Message.ShouldContain("UseSqlite");
    }

    [Fact]
    public void WorkerOptions_RejectAHeartbeatNotShorterThanTheLease()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var builder = services.AddConveyor(o => o.UseInMemory());
        var error = Should.Throw<InvalidOperationException>(() => builder.AddWorker(w => { w.LeaseDuration = TimeSpan.FromSeconds(5); w.HeartbeatInterval = TimeSpan.FromSeconds(5); }));
        error.Message.ShouldContain("HeartbeatInterval");
    }
}
