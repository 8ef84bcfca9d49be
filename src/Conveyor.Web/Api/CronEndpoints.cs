using Conveyor.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Api;

/// <summary><c>/api/cron</c>: the recurring schedules, as <c>conveyor cron list --json</c> writes them, and their removal.</summary>
internal static class CronEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        var api = group.MapGroup("").WithTags("Recurring");
        api.MapGet("/cron", async (RecurringJobs recurring, CancellationToken ct) =>
            {
                var schedules = await recurring.ListAsync(ct).ConfigureAwait(false);
                return new ApiJsonResult(StatusCodes.Status200OK, w => CronJson.WriteSchedules(w, schedules));
            })
            .WithSummary("Recurring schedules by name: cron, time zone, kind, args, options, source, last run (and its job), next run")
            .Produces<Schema.RecurringScheduleList>();
        api.MapDelete("/cron/{name}", async (string name, RecurringJobs recurring, CancellationToken ct) =>
                await recurring.RemoveAsync(name, ct).ConfigureAwait(false)
                    ? Results.NoContent()
                    : ApiJsonResult.Error(StatusCodes.Status404NotFound, $"no recurring schedule is named '{name}'", "name"))
            .WithSummary("Remove a recurring schedule (the jobs it enqueued stay); a schedule from a config file comes back when a node with that file starts")
            .Produces(StatusCodes.Status204NoContent).Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound);
    }
}
