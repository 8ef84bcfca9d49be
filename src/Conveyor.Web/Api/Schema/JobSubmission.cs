using System.ComponentModel;
using System.Text.Json;

namespace Conveyor.Web.Api.Schema;

/// <summary>The body of POST /api/jobs. Describes the wire shape in the OpenAPI document; the body is read by JobRequestReader.</summary>
internal sealed class JobSubmission
{
    private const string DurationText = "A number of milliseconds, or a string: \"250ms\", \"10s\", \"5m\", \"2h\", \"1d\", \"hh:mm:ss\".";

    [Description("The handler's name: 1–128 characters of [A-Za-z0-9_.:-].")]
    public required string Kind { get; init; }

    [Description("A JSON object or array; {} when absent.")]
    public JsonElement? Args { get; init; }

    [Description("The queue; default when absent.")]
    public string? Queue { get; init; }

    [Description("Higher runs first within a queue; −1000 to 1000.")]
    public int? Priority { get; init; }

    [Description("Do not run before this time (ISO-8601 with Z or an offset). Exclusive with delay.")]
    public DateTimeOffset? RunAt { get; init; }

    [Description("Do not run before now + delay. " + DurationText)]
    public string? Delay { get; init; }

    [Description("Attempts before the job is dead; 1 to 1000.")]
    public int? MaxAttempts { get; init; }

    [Description("The handler's token is cancelled when this runs out. " + DurationText)]
    public string? Timeout { get; init; }

    [Description("Jobs that share it run one at a time, in enqueue order.")]
    public string? OrderingKey { get; init; }

    [Description("While a job with this key is not final, enqueue answers 200 with it instead of adding a second.")]
    public string? UniqueKey { get; init; }

    [Description("Keeps the unique key taken this long after success. " + DurationText)]
    public string? UniqueFor { get; init; }

    [Description("Jobs that share it prefer the one live node that owns the key.")]
    public string? AffinityKey { get; init; }

    [Description("A job id: wait until that job succeeded.")]
    public long? After { get; init; }
}
