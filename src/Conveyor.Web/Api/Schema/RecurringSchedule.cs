using System.Text.Json;

namespace Conveyor.Web.Api.Schema;

/// <summary>A recurring schedule. Describes the wire shape in the OpenAPI document; the bodies are written by CronJson.</summary>
internal sealed record RecurringSchedule(string Name, string Cron, string TimeZone, string Kind, JsonElement Args, JsonElement Options, string MissedTicks,
    string Source, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastRun, long? LastJobId, DateTimeOffset? NextRun);
