using Conveyor.Storage;

namespace Conveyor.StoreConformance;

/// <summary>Builds the <see cref="NewJob"/>s and errors the suite inserts and records.</summary>
public static class TestJobs
{
    /// <summary>The kind of a job built without one.</summary>
    public const string Kind = "test.job";

    /// <summary>A second kind, for tests that filter by kind.</summary>
    public const string OtherKind = "test.other";

    /// <summary>The queue of a job built without one.</summary>
    public const string Queue = "default";

    /// <summary>The kinds a test node handles unless a test says otherwise.</summary>
    public static readonly IReadOnlyList<string> AllKinds = [Kind, OtherKind];

    /// <summary>
    /// An <c>available</c> job due at <see cref="TestTime.T0"/> with three attempts; every argument
    /// overrides one field (use <c>with</c> for the rest).
    /// </summary>
    public static NewJob New(
        string kind = Kind,
        string queue = Queue,
        int priority = 0,
        int maxAttempts = 3,
        DateTimeOffset? runAt = null,
        JobState state = JobState.Available,
        string argsJson = "{}",
        string? orderingKey = null,
        string? uniqueKey = null,
        TimeSpan? uniqueFor = null,
        long? after = null) => new()
        {
            Kind = kind,
            Queue = queue,
            ArgsJson = argsJson,
            Priority = priority,
            MaxAttempts = maxAttempts,
            State = state,
            RunAt = runAt ?? TestTime.T0,
            OrderingKey = orderingKey,
            UniqueKey = uniqueKey,
            UniqueFor = uniqueFor,
            AfterJobId = after,
        };

    /// <summary>A <c>scheduled</c> job due at <paramref name="runAt"/>.</summary>
    public static NewJob Scheduled(DateTimeOffset runAt, string queue = Queue, string? orderingKey = null) =>
        New(queue: queue, runAt: runAt, state: JobState.Scheduled, orderingKey: orderingKey);

    /// <summary>A handler failure as the core would record it.</summary>
    public static JobError Error(int attempt, DateTimeOffset at, string message = "boom") =>
        new(attempt, at, "System.InvalidOperationException", message, "   at Handler.HandleAsync()");
}
