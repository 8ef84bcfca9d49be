using System.Text;
using Conveyor.Serialization;

namespace Conveyor.Tests.Storage;

public sealed class JobErrorJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void CountOfType_CountsTheErrorsOfThatType_NotTheTextThatMerelyMentionsIt()
    {
        var errors = new[]
        {
            JobError.LeaseExpired(1, At, "node-a"),
            new JobError(2, At, "System.InvalidOperationException", "\"type\": \"Conveyor.LeaseExpired\"", "Conveyor.LeaseExpired"),
            JobError.LeaseExpired(3, At, "node-b"),
            new JobError(4, At, "Conveyor.LeaseExpiredElsewhere", "Conveyor.LeaseExpired", null),
        };
        var json = "[" + string.Join(",", errors.Select(JobErrorJson.ToJson)) + "]";

        JobErrorJson.CountOfType(Encoding.UTF8.GetBytes(json), JobError.LeaseExpiredType).ShouldBe(2);
        JobErrorJson.CountOfType(Encoding.UTF8.GetBytes(json), "System.InvalidOperationException").ShouldBe(1);
        JobErrorJson.CountOfType(Encoding.UTF8.GetBytes(JobErrorJson.EmptyArray), JobError.LeaseExpiredType).ShouldBe(0);
        JobErrorJson.Parse(json).Count(e => e.Type == JobError.LeaseExpiredType).ShouldBe(2, "the same count as reading every error");
    }
}
