using System.Globalization;
using System.Text;

namespace Conveyor.Web.Metrics;

/// <summary>Writes the Prometheus text format (0.0.4): family headers and samples, with the format's escapes.</summary>
internal static class PrometheusWriter
{
    /// <summary>The <c># HELP</c> and <c># TYPE</c> lines of a family.</summary>
    public static void Family(StringBuilder text, string name, string help, string type = "gauge") =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    /// <summary>One sample; <paramref name="labels"/> are written as given (see <see cref="Labels"/>).</summary>
    public static void Sample(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    /// <summary>One sample with its labels.</summary>
    public static void Sample(StringBuilder text, string name, double value, params (string Name, string Value)[] labels) =>
        Sample(text, name, Labels(labels), value);

    /// <summary>A label set, <c>a="x",b="y"</c>, values escaped.</summary>
    public static string Labels(IEnumerable<(string Name, string Value)> labels) =>
        string.Join(",", labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\""));

    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    // The format's label-value escapes: backslash, double quote and line feed.
    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
