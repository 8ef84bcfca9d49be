namespace Conveyor.Web.Api;

/// <summary>A request the API refuses with <see cref="StatusCode"/> and <c>{"error", "field"}</c>, before anything is stored.</summary>
internal sealed class ApiProblemException(int statusCode, string message, string? field = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string? Field { get; } = field;
}
