using Conveyor.Dispatching;

namespace Conveyor.Tests.Engine;

/// <summary>The sharing rule of a node's pool of slots, on the pool alone (no store, no threads).</summary>
public sealed class SlotPoolTests
{
    private sealed class Queue(SlotPool pool, string name, int cap, int weight)
    {
        public QueueShare Share { get; } = pool.Add(name, cap, weight, () => 0);
    }

    private static (SlotPool Pool, Queue[] Queues) Pool(int size, params (int Cap, int Weight)[] queues)
    {
        var pool = new SlotPool(size);
        return (pool, [.. queues.Select((q, i) => new Queue(pool, "q" + i, q.Cap, q.Weight))]);
    }

    [Fact]
    public void Allowance_OfAQueueAlone_IsTheWholePool_UpToItsCap()
    {
        var (_, queues) = Pool(16, (16, 16), (16, 16), (16, 16));
        queues[0].Share.Allowance().ShouldBe(16);

        var (_, capped) = Pool(16, (5, 5), (16, 16));
        capped[0].Share.Allowance().ShouldBe(5);
    }

    [Fact]
    public void Allowance_UnderLoad_SharesThePoolEvenly_AmongQueuesOfEqualWeight()
    {
        var (_, queues) = Pool(16, (16, 16), (16, 16), (16, 16));
        foreach (var q in queues) q.Share.Backlogged = true;

        // 16 / 3 = 5.33: each may hold 6 for slots (rounded up); the pool itself still runs at most 16.
        queues.Select(q => q.Share.Allowance()).ShouldAllBe(a => a == 6);

        // Two of them busy, the third idle: the idle one's share goes to the others.
        queues[2].Share.Backlogged = false;
        queues[0].Share.Allowance().ShouldBe(8);
        queues[1].Share.Allowance().ShouldBe(8);
    }

    [Fact]
    public void Allowance_UnderLoad_FollowsTheWeights_AndGivesWhatACappedQueueCannotUse_ToTheOthers()
    {
        var (_, weighted) = Pool(4, (4, 3), (4, 1));
        foreach (var q in weighted) q.Share.Backlogged = true;
        weighted[0].Share.Allowance().ShouldBe(3);
        weighted[1].Share.Allowance().ShouldBe(1);

        // a=2 (cap 2, weight 2) beside b (cap 10, weight 10) on 10 slots: equal weights would not matter, the cap does.
        var (_, capped) = Pool(10, (2, 2), (10, 10));
        foreach (var q in capped) q.Share.Backlogged = true;
        capped[0].Share.Allowance().ShouldBe(2);
        capped[1].Share.Allowance().ShouldBe(9); // 10 · 10/12 = 8.33, rounded up
    }

    [Fact]
    public void Allowance_IsNeverZero_SoNoQueueIsShutOut()
    {
        var (_, queues) = Pool(2, (2, 1), (2, 1), (2, 1));
        foreach (var q in queues) q.Share.Backlogged = true;

        queues.Select(q => q.Share.Allowance()).ShouldAllBe(a => a >= 1);
    }

    [Fact]
    public async Task Acquire_NeverRunsMoreThanThePool_AndAFreedSlotGoesToAWaiter()
    {
        var (_, queues) = Pool(2, (2, 1), (2, 1));
        await queues[0].Share.AcquireAsync(CancellationToken.None);
        await queues[0].Share.AcquireAsync(CancellationToken.None);

        var waiting = queues[1].Share.AcquireAsync(CancellationToken.None).AsTask();
        waiting.IsCompleted.ShouldBeFalse();

        queues[0].Share.Release();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        queues[0].Share.RunningNow.ShouldBe(1);
        queues[1].Share.RunningNow.ShouldBe(1);
    }

    [Fact]
    public async Task Release_GivesTheSlotToTheWaitingQueueThatRunsFewestForItsWeight()
    {
        var (_, queues) = Pool(4, (4, 1), (4, 1));
        for (var i = 0; i < 4; i++) await queues[0].Share.AcquireAsync(CancellationToken.None);

        // The flooded queue waits first; the quiet one after it. The quiet one runs none: it gets the next slot.
        var flood = queues[0].Share.AcquireAsync(CancellationToken.None).AsTask();
        var quiet = queues[1].Share.AcquireAsync(CancellationToken.None).AsTask();
        queues[0].Share.Release();

        await quiet.WaitAsync(TimeSpan.FromSeconds(5));
        flood.IsCompleted.ShouldBeFalse();

        // Now 3 against 1: the flooded one's next release goes back to it (the quiet one waits for nothing).
        queues[0].Share.Release();
        await flood.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Release_UnderWeights_KeepsTheRunningJobsInProportion()
    {
        var (_, queues) = Pool(4, (4, 3), (4, 1));
        // Both queues always have a job waiting for a slot; the running job that started first ends first.
        var waiting = new List<(int Queue, Task Granted)>();
        var running = new Queue<int>();
        var started = new[] { 0, 0 };
        void Wait(int queue) => waiting.Add((queue, queues[queue].Share.AcquireAsync(CancellationToken.None).AsTask()));
        for (var i = 0; i < 4; i++) { Wait(0); Wait(1); }
        for (var round = 0; round < 400; round++)
        {
            foreach (var granted in waiting.Where(w => w.Granted.IsCompletedSuccessfully).ToList())
            {
                waiting.Remove(granted);
                running.Enqueue(granted.Queue);
                if (round >= 40) started[granted.Queue]++;
                Wait(granted.Queue);
            }
            running.Count.ShouldBe(4, "the pool is always full while work waits");
            queues[running.Dequeue()].Share.Release();
            await Task.Yield();
        }

        ((double)started[0] / started[1]).ShouldBeInRange(2.5, 3.5);
    }

    [Fact]
    public async Task Acquire_Cancelled_TakesNoSlot()
    {
        var (_, queues) = Pool(1, (1, 1), (1, 1));
        await queues[0].Share.AcquireAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = queues[1].Share.AcquireAsync(cancel.Token).AsTask();
        cancel.Cancel();

        await Should.ThrowAsync<OperationCanceledException>(waiting);
        queues[0].Share.Release();
        queues[1].Share.RunningNow.ShouldBe(0);
        await queues[1].Share.AcquireAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }
}
