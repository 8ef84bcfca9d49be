using Conveyor.Recurring;
using Conveyor.Validation;

namespace Conveyor.Tests.Recurring;

// When ticks fall, and what the leader does with them at a given now (the clock is a parameter here).
public sealed class CronTickPlanTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private static DateTimeOffset Utc(int month, int day, int hour, int minute, int year = 2026) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void DueTicksAfterTheLastOne_ArePlannedOneByOne_InOrder()
    {
        var everySecond = CronTimetable.Parse("* * * * * *", null);

        var plan = CronTickPlan.For(everySecond, lastTick: T0, updatedAt: T0.AddHours(-1), now: T0.AddSeconds(3.5), Grace);

        plan.Ticks.ShouldBe([T0.AddSeconds(1), T0.AddSeconds(2), T0.AddSeconds(3)]);
        plan.Missed.ShouldBeNull();
        plan.Next.ShouldBe(T0.AddSeconds(4));
    }

    [Fact]
    public void NoTickDue_PlansNothing_AndNamesTheNextTick()
    {
        var hourly = CronTimetable.Parse("0 * * * *", null);

        var plan = CronTickPlan.For(hourly, lastTick: T0, updatedAt: T0, now: T0.AddMinutes(59), Grace);

        plan.Ticks.ShouldBeEmpty();
        plan.Missed.ShouldBeNull();
        plan.Next.ShouldBe(T0.AddHours(1));
    }

    [Fact]
    public void ANewSchedule_CountsItsTicksFromWhenItWasStored()
    {
        var everyMinute = CronTimetable.Parse("* * * * *", null);

        // Stored at 12:00:30: the tick of 12:00 is before it, the one of 12:01 is its first.
        var plan = CronTickPlan.For(everyMinute, lastTick: null, updatedAt: T0.AddSeconds(30), now: T0.AddSeconds(61), Grace);

        plan.Ticks.ShouldBe([T0.AddMinutes(1)]);
    }

    [Fact]
    public void AChangedSchedule_CountsItsTicksFromTheChange_NotFromItsOldLastTick()
    {
        var everySecond = CronTimetable.Parse("* * * * * *", null);

        var plan = CronTickPlan.For(everySecond, lastTick: T0, updatedAt: T0.AddSeconds(10), now: T0.AddSeconds(11), Grace);

        plan.Ticks.ShouldBe([T0.AddSeconds(11)]);
    }

    [Fact]
    public void TicksLateByLessThanTheGrace_AreEachPlanned_SoALeaderHandOverDropsNone()
    {
        var everySecond = CronTimetable.Parse("* * * * * *", null);

        var plan = CronTickPlan.For(everySecond, lastTick: T0, updatedAt: T0, now: T0.AddSeconds(45), Grace);

        plan.Ticks.Count.ShouldBe(45);
        plan.Missed.ShouldBeNull();
    }

    [Fact]
    public void TicksLateByMoreThanTheGrace_AreOneMissedStretch_StandingAtItsLatestTick()
    {
        var everyFiveMinutes = CronTimetable.Parse("*/5 * * * *", null);

        var plan = CronTickPlan.For(everyFiveMinutes, lastTick: T0, updatedAt: T0, now: T0.AddHours(3).AddMinutes(2), Grace);

        plan.Ticks.ShouldBeEmpty();
        plan.Missed.ShouldBe(T0.AddHours(3));
        plan.Next.ShouldBe(T0.AddHours(3).AddMinutes(5));
    }

    [Fact]
    public void FiveFields_StartWithMinutes_SixFields_StartWithSeconds()
    {
        CronTimetable.Parse("15 * * * *", null).NextAfter(T0).ShouldBe(T0.AddMinutes(15));
        CronTimetable.Parse("15 * * * * *", null).NextAfter(T0).ShouldBe(T0.AddSeconds(15));
        CronTimetable.Parse("@daily", null).NextAfter(T0).ShouldBe(T0.AddHours(12));
    }

    [Fact]
    public void MacrosAndDayNames_AreRead_AndBothDayFields_MustMatch()
    {
        var sunday = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
        CronTimetable.Parse("@every_second", null).NextAfter(sunday).ShouldBe(sunday.AddSeconds(1));
        CronTimetable.Parse("0 0 ? * MON", null).NextAfter(sunday).ShouldBe(sunday.AddDays(1));
        CronTimetable.Parse("0 0 * * 7", null).NextAfter(sunday).ShouldBe(sunday.AddDays(7));
        // Cronos, unlike crontab(5), fires only on days that match both fields: Friday the 13th.
        CronTimetable.Parse("0 0 13 * 5", null).NextAfter(sunday).ShouldBe(new DateTimeOffset(2026, 2, 13, 0, 0, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("* * * *", "cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; '* * * *' has 4")]
    [InlineData("* * * * * * *", "cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; '* * * * * * *' has 7")]
    [InlineData("", "cron is required")]
    public void AnExpressionWithTheWrongNumberOfFields_IsRefused(string expression, string message)
    {
        var error = Should.Throw<JobValidationException>(() => CronTimetable.Parse(expression, null));
        error.Field.ShouldBe("cron");
        error.Reason.ShouldBe(message);
    }

    [Fact]
    public void ABadField_IsRefused_NamingTheExpression()
    {
        var error = Should.Throw<JobValidationException>(() => CronTimetable.Parse("61 * * * *", null));
        error.Field.ShouldBe("cron");
        error.Reason.ShouldStartWith("cron '61 * * * *' is not a valid cron expression: ");
    }

    [Fact]
    public void AnUnknownTimeZone_IsRefused()
    {
        var error = Should.Throw<JobValidationException>(() => CronTimetable.Parse("0 3 * * *", "Europe/Atlantis"));
        error.Field.ShouldBe("timeZone");
        error.Reason.ShouldBe("time zone 'Europe/Atlantis' is not a known IANA time zone (such as Europe/Paris or America/New_York)");
    }

    [Fact]
    public void FieldsAreReadInTheScheduleTimeZone()
    {
        // 03:00 in Paris is 02:00 UTC in winter and 01:00 UTC in summer.
        var nightly = CronTimetable.Parse("0 3 * * *", "Europe/Paris");
        nightly.NextAfter(Utc(1, 10, 0, 0)).ShouldBe(Utc(1, 10, 2, 0));
        nightly.NextAfter(Utc(7, 10, 0, 0)).ShouldBe(Utc(7, 10, 1, 0));
        CronTimetable.Parse("0 3 * * *", null).ZoneId.ShouldBe("UTC");
    }

    // crontab(5): "If time was adjusted one hour forward, those jobs that would have run in the interval that has been
    // skipped will be run immediately." Paris skips 02:00–03:00 on 2026-03-29.
    [Fact]
    public void SpringForward_AFixedTimeTickInTheSkippedHour_FiresOnceAtTheEndOfTheGap()
    {
        var at0230 = CronTimetable.Parse("30 2 * * *", "Europe/Paris");

        Ticks(at0230, Utc(3, 27, 12, 0), Utc(3, 30, 12, 0)).ShouldBe([Utc(3, 28, 1, 30), Utc(3, 29, 1, 0), Utc(3, 30, 0, 30)]);
    }

    // Jobs that run more often than hourly "are scheduled normally": the real clock's half hours, none lost, none added.
    [Fact]
    public void SpringForward_AnIntervalSchedule_FollowsTheRealClock()
    {
        var everyHalfHour = CronTimetable.Parse("*/30 * * * *", "Europe/Paris");

        Ticks(everyHalfHour, Utc(3, 28, 23, 50), Utc(3, 29, 1, 40)).ShouldBe([Utc(3, 29, 0, 0), Utc(3, 29, 0, 30), Utc(3, 29, 1, 0), Utc(3, 29, 1, 30)]);
    }

    // crontab(5): "if time was adjusted backward, running the same job twice is avoided." Paris repeats 02:00–03:00 on 2026-10-25.
    [Fact]
    public void FallBack_AFixedTimeTickInTheRepeatedHour_FiresOnce()
    {
        var at0230 = CronTimetable.Parse("30 2 * * *", "Europe/Paris");

        Ticks(at0230, Utc(10, 24, 12, 0), Utc(10, 26, 12, 0)).ShouldBe([Utc(10, 25, 0, 30), Utc(10, 26, 1, 30)]);
    }

    [Fact]
    public void FallBack_AnHourlySchedule_FiresInBothCopiesOfTheRepeatedHour()
    {
        var hourly = CronTimetable.Parse("0 * * * *", "Europe/Paris");

        Ticks(hourly, Utc(10, 24, 23, 30), Utc(10, 25, 2, 30)).ShouldBe([Utc(10, 25, 0, 0), Utc(10, 25, 1, 0), Utc(10, 25, 2, 0)]);
    }

    [Fact]
    public void FallBack_TheLeaderFiresTheRepeatedHourTickOnce_WhenItRunsThroughTheNight()
    {
        var at0230 = CronTimetable.Parse("30 2 * * *", "Europe/Paris");
        DateTimeOffset? last = Utc(10, 24, 0, 30);
        var fired = new List<DateTimeOffset>();
        // The leader's passes every ten minutes through the night of the change.
        for (var now = Utc(10, 24, 22, 0); now <= Utc(10, 25, 4, 0); now = now.AddMinutes(10))
        {
            var plan = CronTickPlan.For(at0230, last, Utc(10, 1, 0, 0), now, Grace);
            fired.AddRange(plan.Ticks);
            if (plan.Ticks.Count > 0) last = plan.Ticks[^1];
        }

        fired.ShouldBe([Utc(10, 25, 0, 30)]);
    }

    private static List<DateTimeOffset> Ticks(CronTimetable timetable, DateTimeOffset from, DateTimeOffset to)
    {
        var ticks = new List<DateTimeOffset>();
        for (var next = timetable.NextAfter(from); next is { } t && t <= to; next = timetable.NextAfter(t)) ticks.Add(t);
        return ticks;
    }
}
