using System.Text.Json;
using Conveyor.Serialization;

namespace Conveyor.Web.Api;

/// <summary>The <c>activity</c> of <c>GET /api/stats</c>: jobs that ended per minute over the last hour.</summary>
internal static class ActivityJson
{
    /// <summary>The window the overview's charts show.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>The width of one bar.</summary>
    public static readonly TimeSpan Bucket = TimeSpan.FromMinutes(1);

    public static void Write(Utf8JsonWriter w, JobActivity activity)
    {
        w.WriteStartObject("activity");
        w.WriteString("since", ConveyorJson.FormatTime(activity.Since));
        w.WriteNumber("bucketSeconds", (long)activity.Bucket.TotalSeconds);
        w.WriteStartArray("buckets");
        foreach (var bucket in activity.Buckets)
        {
            w.WriteStartObject();
            w.WriteString("at", ConveyorJson.FormatTime(bucket.Start));
            w.WriteNumber("succeeded", bucket.Succeeded);
            w.WriteNumber("dead", bucket.Dead);
            w.WriteNumber("failedAttempts", bucket.FailedAttempts);
            Milliseconds(w, "waitMs", bucket.MeanWait);
            Milliseconds(w, "maxWaitMs", bucket.MaxWait);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Milliseconds(Utf8JsonWriter w, string name, TimeSpan? value)
    {
        if (value is { } span) w.WriteNumber(name, Math.Round(span.TotalMilliseconds, 1));
        else w.WriteNull(name);
    }
}
