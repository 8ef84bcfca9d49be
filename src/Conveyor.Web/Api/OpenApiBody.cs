using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace Conveyor.Web.Api;

/// <summary>
/// Describes a JSON request body in the OpenAPI document without <c>Accepts&lt;T&gt;()</c>, whose content-type matching
/// would answer a wrong content type with an empty 415 instead of the API's <c>{"error", "field"}</c>.
/// </summary>
internal static class OpenApiBody
{
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken).ConfigureAwait(false);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        }).Produces<Schema.ErrorBody>(StatusCodes.Status415UnsupportedMediaType);
}
