using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Tests.Engine;

/// <summary>A node on a store with a clock of its own runs on the store's time, whatever its machine's clock says.</summary>
public sealed class StoreTimeTests
{
    private sealed class ShiftedClock(TimeSpan shift) : IStoreClock
    {
        public TimeSpan Shift { get; set; } = shift;

        public Task<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default) => Task.FromResult(DateTimeOffset.UtcNow + Shift);
    }

    [Fact]
    public async Task Measure_TakesTheStoresOffset_NowIsTheStoresTime()
    {
        var store = new ShiftedClock(TimeSpan.FromMinutes(-10));
        var time = new StoreTime(TimeProvider.System, store, NullLogger.Instance);
        time.GetUtcNow().ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), "no offset before the first measure");

        await time.MeasureAsync(CancellationToken.None);
        time.Offset.ShouldBe(TimeSpan.FromMinutes(-10), TimeSpan.FromSeconds(1));
        time.GetUtcNow().ShouldBe(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1));

        store.Shift = TimeSpan.FromMinutes(10);
        await time.MeasureAsync(CancellationToken.None);
        time.GetUtcNow().ShouldBe(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), "a new measure replaces the offset");
    }

    [Fact]
    public async Task Timestamps_AreTheMachines_SoDurationsIgnoreTheOffset()
    {
        var time = new StoreTime(TimeProvider.System, new ShiftedClock(TimeSpan.FromHours(3)), NullLogger.Instance);
        await time.MeasureAsync(CancellationToken.None);
        var before = time.GetTimestamp();
        await Task.Delay(TimeSpan.FromMilliseconds(50), time);
        time.GetElapsedTime(before).ShouldBeInRange(TimeSpan.FromMilliseconds(40), TimeSpan.FromSeconds(5));
        time.TimestampFrequency.ShouldBe(TimeProvider.System.TimestampFrequency);
    }
}
