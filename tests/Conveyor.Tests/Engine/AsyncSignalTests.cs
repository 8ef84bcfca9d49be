using Conveyor.Dispatching;

namespace Conveyor.Tests.Engine;

/// <summary>The claim loop's wake-up: sets coalesce, each wait ends once, by a set, its time-out or cancellation.</summary>
public sealed class AsyncSignalTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SetsWhileNobodyWaits_ReleaseExactlyTheNextWait()
    {
        using var signal = new AsyncSignal();
        signal.Set();
        signal.Set();
        var first = signal.WaitAsync(Long, CancellationToken.None);
        first.IsCompletedSuccessfully.ShouldBeTrue();
        (await first).ShouldBeTrue();
        (await signal.WaitAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task ASetWakesAWaiter()
    {
        using var signal = new AsyncSignal();
        var wait = signal.WaitAsync(Long, CancellationToken.None).AsTask();
        wait.IsCompleted.ShouldBeFalse();
        signal.Set();
        (await wait.WaitAsync(Long)).ShouldBeTrue();
    }

    [Fact]
    public async Task AWaitTimesOut_NotBeforeItsTime_EvenRightAfterAShorterWaitWasSet()
    {
        using var signal = new AsyncSignal();
        // The first wait arms the timer for 30 ms and is set at once; the second must not end at that 30 ms tick.
        var first = signal.WaitAsync(TimeSpan.FromMilliseconds(30), CancellationToken.None).AsTask();
        signal.Set();
        (await first).ShouldBeTrue();
        var started = Environment.TickCount64;
        (await signal.WaitAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None)).ShouldBeFalse();
        (Environment.TickCount64 - started).ShouldBeGreaterThanOrEqualTo(290);
    }

    [Fact]
    public async Task CancellingTheToken_EndsTheWait_AndTheSignalStillWorksAfterwards()
    {
        using var signal = new AsyncSignal();
        using var cancel = new CancellationTokenSource();
        var wait = signal.WaitAsync(Timeout.InfiniteTimeSpan, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => wait.WaitAsync(Long));
        await Should.ThrowAsync<OperationCanceledException>(() => signal.WaitAsync(Long, cancel.Token).AsTask());

        var next = signal.WaitAsync(Long, CancellationToken.None).AsTask();
        signal.Set();
        (await next.WaitAsync(Long)).ShouldBeTrue();
    }

    [Fact]
    public void ASecondConcurrentWait_IsRefused()
    {
        using var signal = new AsyncSignal();
        _ = signal.WaitAsync(Long, CancellationToken.None);
        Should.Throw<InvalidOperationException>(() => signal.WaitAsync(Long, CancellationToken.None));
        signal.Set();
    }

    [Fact]
    public async Task ManySetsRacingOneWaiter_EndEveryWait_AndLoseNone()
    {
        using var signal = new AsyncSignal();
        const int rounds = 20_000;
        var done = 0;
        using var stop = new CancellationTokenSource();
        var setter = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) signal.Set();
        });
        for (var i = 0; i < rounds; i++)
        {
            if (await signal.WaitAsync(Long, CancellationToken.None)) done++;
        }
        await stop.CancelAsync();
        await setter;
        done.ShouldBe(rounds);
    }
}
