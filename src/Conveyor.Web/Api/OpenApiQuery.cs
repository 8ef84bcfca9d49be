using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace Conveyor.Web.Api;

/// <summary>Describes the query of <c>GET /api/jobs</c>, which the handler reads itself (to refuse repeated or bad values with 400).</summary>
internal static class OpenApiQuery
{
    public static RouteHandlerBuilder WithJobListQuery(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(Parameter("state", "Only jobs in this state.", new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. JobStates.All.Select(s => (JsonNode)JsonValue.Create(s.ToWireName()))],
            }));
            operation.Parameters.Add(Parameter("queue", "Only jobs of this queue.", new OpenApiSchema { Type = JsonSchemaType.String }));
            operation.Parameters.Add(Parameter("kind", "Only jobs of this kind.", new OpenApiSchema { Type = JsonSchemaType.String }));
            operation.Parameters.Add(Parameter("limit", $"Page size, 1 to {JobQuery.MaxLimit}; default {JobQuery.DefaultLimit}.", new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Minimum = "1",
                Maximum = JobQuery.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
            operation.Parameters.Add(Parameter("cursor", "The next of the previous page.", new OpenApiSchema { Type = JsonSchemaType.String }));
            return Task.CompletedTask;
        });

    private static OpenApiParameter Parameter(string name, string description, OpenApiSchema schema) =>
        new() { Name = name, In = ParameterLocation.Query, Description = description, Required = false, Schema = schema };
}
