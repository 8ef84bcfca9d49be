using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Conveyor.Web.Tests.Support;

/// <summary>Small helpers for talking JSON to the API.</summary>
public static class HttpExtensions
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts the status and the <c>{"error", "field"}</c> body of a refused request; returns the message.</summary>
    public static async Task<string> ShouldBeErrorAsync(this HttpResponseMessage response, int status, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        root.GetProperty("error").GetString().ShouldNotBeNullOrWhiteSpace();
        var actual = root.GetProperty("field");
        if (field is null) actual.ValueKind.ShouldBe(JsonValueKind.Null, text);
        else actual.GetString().ShouldBe(field, text);
        return root.GetProperty("error").GetString()!;
    }
}
