using System.Collections.Concurrent;
using System.Text.Json;
using Conveyor.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Engine;

public sealed class ExecutionTests
{
    private sealed class GreetHandler(Greeter greeter) : IJobHandler<Greet, string>
    {
        public Task<string> HandleAsync(JobContext<Greet> job, CancellationToken cancellationToken) =>
            Task.FromResult(greeter.Greet(job.Args.Name));
    }

    private sealed class Greeter
    {
        public string Greet(string name) => $"hello {name}";
    }

    private sealed class ScopedProbe : IDisposable
    {
        public static readonly ConcurrentBag<ScopedProbe> Disposed = [];
        public Guid Id { get; } = Guid.NewGuid();
        public void Dispose() => Disposed.Add(this);
    }

    [Fact]
    public async Task TypedHandler_RunsWithServicesFromDi_AndStoresItsResult()
    {
        await using var node = TestNode.Create(b => b.AddJob<Greet, GreetHandler>(), services: s => s.AddSingleton<Greeter>());
        await node.StartAsync();

        var id = await node.Client.EnqueueAsync(new Greet("Ada"));
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Succeeded);
        job.Attempt.ShouldBe(1);
        JsonSerializer.Deserialize<string>(job.ResultJson!).ShouldBe("hello Ada");
    }

    [Fact]
    public async Task DelegateHandler_BindsArgsContextTokenAndServices_AndReturnsResult()
    {
        await using var node = TestNode.Create(
            b => b.AddJob<Add>(async (JobContext<Add> ctx, Add args, Greeter greeter, CancellationToken ct) =>
            {
                await Task.Yield();
                ct.CanBeCanceled.ShouldBeTrue();
                return new { sum = args.A + args.B, kind = ctx.Kind, greeting = greeter.Greet("x") };
            }),
            services: s => s.AddSingleton<Greeter>());
        await node.StartAsync();

        var id = await node.Client.EnqueueAsync(new Add(2, 3));
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Succeeded);
        using var result = JsonDocument.Parse(job.ResultJson!);
        result.RootElement.GetProperty("sum").GetInt32().ShouldBe(5);
        result.RootElement.GetProperty("kind").GetString().ShouldBe("test.add");
        result.RootElement.GetProperty("greeting").GetString().ShouldBe("hello x");
    }

    [Fact]
    public async Task EachJob_GetsItsOwnDiScope_DisposedAfterTheJob()
    {
        var seen = new ConcurrentBag<Guid>();
        await using var node = TestNode.Create(
            b => b.AddJob("test.scope", (ScopedProbe probe) => { seen.Add(probe.Id); }),
            services: s => s.AddScoped<ScopedProbe>());
        await node.StartAsync();

        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add((await node.Client.EnqueueAsync(new JobRequest("test.scope"))).Id);
        foreach (var id in ids) (await node.WaitAsync(id)).State.ShouldBe(JobState.Succeeded);

        seen.Distinct().Count().ShouldBe(3);
        foreach (var probeId in seen) ScopedProbe.Disposed.ShouldContain(p => p.Id == probeId);
    }

    [Fact]
    public async Task ThrowingHandler_IsRetriedWithBackoff_ThenDead_WithEveryErrorKept()
    {
        var attempts = 0;
        await using var node = TestNode.Create(b => b.AddJob("test.boom", () =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("boom");
        }));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.boom", "{}", new JobOptions { MaxAttempts = 3 }))).Id;
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Dead);
        job.Attempt.ShouldBe(3);
        attempts.ShouldBe(3);
        job.Errors.Count.ShouldBe(3);
        job.Errors.Select(e => e.Attempt).ShouldBe([1, 2, 3]);
        job.Errors.ShouldAllBe(e => e.Type == "System.InvalidOperationException" && e.Message == "boom" && e.Stack != null);
    }

    [Fact]
    public async Task FlakyHandler_SucceedsOnRetry()
    {
        var attempts = 0;
        await using var node = TestNode.Create(b => b.AddJob("test.flaky", (JobContext ctx) =>
        {
            Interlocked.Increment(ref attempts);
            if (ctx.Attempt == 1) throw new IOException("transient");
        }));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.flaky"))).Id;
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Succeeded);
        job.Attempt.ShouldBe(2);
        job.Errors.Single().Message.ShouldBe("transient");
    }

    [Fact]
    public async Task PermanentFailure_SkipsTheRemainingAttempts()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.permanent", new Action(() => throw new PermanentJobFailureException("no such user"))));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.permanent", "{}", new JobOptions { MaxAttempts = 10 }))).Id;
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Dead);
        job.Attempt.ShouldBe(1);
        job.Errors.Single().Type.ShouldBe(typeof(PermanentJobFailureException).FullName);
    }

    [Fact]
    public async Task ArgsThatDoNotFitTheHandler_FailPermanently_WithAClearError()
    {
        await using var node = TestNode.Create(b => b.AddJob<Add>((Add a) => a.A + a.B));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.add", """{"a": "not a number"}"""))).Id;
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Dead);
        job.Attempt.ShouldBe(1);
        job.Errors.Single().Message.ShouldContain("args of kind 'test.add' cannot be read as Add");
    }

    [Fact]
    public async Task Timeout_CancelsTheHandlersToken_AndCountsAsAFailedAttempt()
    {
        var sawCancellation = false;
        await using var node = TestNode.Create(b => b.AddJob("test.slow", async (CancellationToken ct) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
            }
            catch (OperationCanceledException)
            {
                sawCancellation = true;
                throw;
            }
        }));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.slow", "{}", new JobOptions { Timeout = TimeSpan.FromMilliseconds(200), MaxAttempts = 1 }))).Id;
        var job = await node.WaitAsync(id);

        sawCancellation.ShouldBeTrue();
        job.State.ShouldBe(JobState.Dead);
        job.Errors.Single().Type.ShouldBe("System.TimeoutException");
        job.Errors.Single().Message.ShouldContain("timed out after");
    }

    [Fact]
    public async Task HandlerIgnoringItsTimeout_IsAbandoned_AndOtherJobsKeepRunning()
    {
        var release = new TaskCompletionSource();
        await using var node = TestNode.Create(
            b => b.AddJob("test.hang", () => release.Task) // ignores every token
                  .AddJob("test.quick", () => { }),
            w => w.Queue("default", 1));
        await node.StartAsync();

        var hang = (await node.Client.EnqueueAsync(new JobRequest("test.hang", "{}", new JobOptions { Timeout = TimeSpan.FromMilliseconds(100), MaxAttempts = 1 }))).Id;
        var quick = (await node.Client.EnqueueAsync(new JobRequest("test.quick"))).Id;

        // One slot only: the quick job can run only if the hung handler's slot was taken back.
        (await node.WaitAsync(quick)).State.ShouldBe(JobState.Succeeded);
        var hung = await node.WaitAsync(hang);
        hung.State.ShouldBe(JobState.Dead);
        hung.Errors.Single().Message.ShouldContain("abandoned");
        node.Server.AbandonedHandlerCount.ShouldBe(1);
        release.SetResult();
        await Eventually.HoldsAsync(() => node.Server.AbandonedHandlerCount == 0, "the abandoned handler ended");
    }

    [Fact]
    public async Task HandlerBlockingItsThreadPastItsTimeout_IsAbandoned_AndANewWorkerTakesItsSlot()
    {
        using var release = new ManualResetEventSlim();
        await using var node = TestNode.Create(
            b => b.AddJob("test.block", () => release.Wait()) // blocks its thread: never returns a task
                  .AddJob("test.quick", () => { }),
            w => { w.Queue("default", 1); w.CancelGrace = TimeSpan.FromMilliseconds(100); });
        await node.StartAsync();

        var block = (await node.Client.EnqueueAsync(new JobRequest("test.block", "{}", new JobOptions { Timeout = TimeSpan.FromMilliseconds(100), MaxAttempts = 1 }))).Id;
        var quick = (await node.Client.EnqueueAsync(new JobRequest("test.quick"))).Id;

        (await node.WaitAsync(quick)).State.ShouldBe(JobState.Succeeded);
        var blocked = await node.WaitAsync(block);
        blocked.State.ShouldBe(JobState.Dead);
        blocked.Errors.Single().Message.ShouldContain("abandoned");
        node.Server.AbandonedHandlerCount.ShouldBe(1);
        release.Set();
        await Eventually.HoldsAsync(() => node.Server.AbandonedHandlerCount == 0, "the blocked handler returned and its worker left");
    }

    [Fact]
    public async Task Progress_IsVisibleWhileTheJobRuns()
    {
        var reported = new TaskCompletionSource();
        var finish = new TaskCompletionSource();
        await using var node = TestNode.Create(b => b.AddJob("test.progress", async (JobContext ctx, CancellationToken ct) =>
        {
            await ctx.ReportProgressAsync(40, "page 4 of 10", ct);
            reported.SetResult();
            await finish.Task.WaitAsync(ct);
        }));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.progress"))).Id;
        await reported.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var running = await node.Client.GetAsync(id);
        running!.State.ShouldBe(JobState.Running);
        running.Progress.ShouldBe(new JobProgress(40, "page 4 of 10"));
        running.Node.ShouldBe(node.Server.NodeName);
        finish.SetResult();
        (await node.WaitAsync(id)).State.ShouldBe(JobState.Succeeded);
    }

    private sealed class RecordingMiddleware(List<string> log, string name) : IJobMiddleware
    {
        public async Task InvokeAsync(JobContext context, JobDelegate next, CancellationToken cancellationToken)
        {
            lock (log) log.Add($"{name}:before:{context.Kind}");
            await next(context, cancellationToken);
            lock (log) log.Add($"{name}:after");
        }
    }

    private sealed class Outer(List<string> log) : IJobMiddleware
    {
        public Task InvokeAsync(JobContext context, JobDelegate next, CancellationToken ct) => new RecordingMiddleware(log, "outer").InvokeAsync(context, next, ct);
    }

    private sealed class Inner(List<string> log) : IJobMiddleware
    {
        public Task InvokeAsync(JobContext context, JobDelegate next, CancellationToken ct) => new RecordingMiddleware(log, "inner").InvokeAsync(context, next, ct);
    }

    [Fact]
    public async Task Middleware_WrapsTheHandler_FirstRegisteredOutermost()
    {
        var log = new List<string>();
        await using var node = TestNode.Create(
            b => b.UseMiddleware<Outer>().UseMiddleware<Inner>().AddJob("test.mw", () => { lock (log) log.Add("handler"); }),
            services: s => s.AddSingleton(log));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.mw"))).Id;
        (await node.WaitAsync(id)).State.ShouldBe(JobState.Succeeded);

        log.ShouldBe(["outer:before:test.mw", "inner:before:test.mw", "handler", "inner:after", "outer:after"]);
    }

    private sealed class FailureRecorder(List<string> log) : IJobMiddleware
    {
        public async Task InvokeAsync(JobContext context, JobDelegate next, CancellationToken cancellationToken)
        {
            try
            {
                await next(context, cancellationToken);
                lock (log) log.Add($"{context.Kind}:ok");
            }
            catch (Exception e)
            {
                lock (log) log.Add($"{context.Kind}:{context.Id}:{e.GetType().Name}");
                throw;
            }
        }
    }

    private sealed record PageArgs(int Pages);

    [Fact]
    public async Task Middleware_SeesAnAttemptWhoseArgsCannotBeRead()
    {
        var log = new List<string>();
        var ran = 0;
        await using var node = TestNode.Create(
            b => b.UseMiddleware<FailureRecorder>().AddJob("test.pages", (PageArgs args) => Interlocked.Increment(ref ran)),
            services: s => s.AddSingleton(log));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.pages", "[1]"))).Id;
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Dead);
        job.Errors.Single().Type.ShouldBe(typeof(JobArgumentsException).FullName);
        ran.ShouldBe(0);
        log.ShouldBe([$"test.pages:{id}:{nameof(JobArgumentsException)}"]);
    }

    [Fact]
    public async Task Node_ClaimsOnlyKindsItHasHandlersFor()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.known", () => { }));
        await node.StartAsync();

        var unknown = (await node.Client.EnqueueAsync(new JobRequest("test.unknown"))).Id;
        var known = (await node.Client.EnqueueAsync(new JobRequest("test.known"))).Id;
        (await node.WaitAsync(known)).State.ShouldBe(JobState.Succeeded);

        (await node.Client.GetAsync(unknown))!.State.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task TwoSetupsInOneProcess_DoNotSeeEachOther()
    {
        var ranOnA = 0;
        var ranOnB = 0;
        await using var a = TestNode.Create(b => b.AddJob("test.same", () => Interlocked.Increment(ref ranOnA)));
        await using var b = TestNode.Create(b => b.AddJob("test.same", () => Interlocked.Increment(ref ranOnB)));
        await a.StartAsync();
        await b.StartAsync();

        var id = (await a.Client.EnqueueAsync(new JobRequest("test.same"))).Id;
        (await a.WaitAsync(id)).State.ShouldBe(JobState.Succeeded);

        ranOnA.ShouldBe(1);
        ranOnB.ShouldBe(0);
        (await b.Client.GetAsync(id)).ShouldBeNull();
    }
}
