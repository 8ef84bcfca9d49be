namespace Conveyor.Web.Api.Schema;

/// <summary>The recurring schedules. Describes the wire shape in the OpenAPI document; the bodies are written by CronJson.</summary>
internal sealed record RecurringScheduleList(IReadOnlyList<RecurringSchedule> Schedules);
