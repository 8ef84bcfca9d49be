namespace Conveyor.Web.Api;

/// <summary>Names of Conveyor's OpenAPI document.</summary>
internal static class ConveyorOpenApi
{
    /// <summary>The document's name; it is also the file name in the route (<c>/api/openapi.json</c>).</summary>
    public const string Name = "openapi";

    /// <summary>The endpoint group the document holds, so a host app's documents leave Conveyor's endpoints out.</summary>
    public const string GroupName = "conveyor";
}
