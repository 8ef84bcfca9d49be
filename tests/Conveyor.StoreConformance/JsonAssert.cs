using System.Text.Json.Nodes;

namespace Conveyor.StoreConformance;

/// <summary>Compares JSON by meaning: a store may re-format JSON (PostgreSQL's jsonb does) but not change it.</summary>
public static class JsonAssert
{
    /// <summary>Fails unless <paramref name="actual"/> is the same JSON document as <paramref name="expected"/>.</summary>
    public static void ShouldBeSameJson(this string? actual, string expected)
    {
        actual.ShouldNotBeNull();
        JsonNode.DeepEquals(JsonNode.Parse(actual), JsonNode.Parse(expected))
            .ShouldBeTrue($"expected JSON {expected} but got {actual}");
    }
}
