using Conveyor.Web.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi;

namespace Conveyor.Web;

/// <summary>Registers what <see cref="ConveyorEndpointRouteBuilderExtensions.MapConveyor"/> needs.</summary>
public static class ConveyorWebServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services of Conveyor's HTTP API and dashboard: its options and its OpenAPI document. Call it beside
    /// <c>AddConveyor(…)</c>, then <c>app.MapConveyor("/conveyor")</c>.
    /// </summary>
    public static IServiceCollection AddConveyorWeb(this IServiceCollection services, Action<ConveyorWebOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new ConveyorWebOptions();
        configure?.Invoke(options);
        options.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton(sp => new Metrics.MeterCollector(sp.GetRequiredService<Observability.ConveyorMetrics>()));
        services.AddOpenApi(ConveyorOpenApi.Name, o =>
        {
            // Only Conveyor's endpoints: the host app's own ones belong to its own documents.
            o.ShouldInclude = description => description.GroupName == ConveyorOpenApi.GroupName;
            // The API reads numbers only as JSON numbers, whatever the app's JSON options allow for its own endpoints.
            o.AddSchemaTransformer((schema, _, _) =>
            {
                if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
                {
                    schema.Type = type & ~JsonSchemaType.String;
                    schema.Pattern = null;
                }
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Conveyor";
                document.Info.Description = "Enqueue, inspect and act on Conveyor jobs, queues and nodes.";
                return Task.CompletedTask;
            });
        });
        return services;
    }
}
