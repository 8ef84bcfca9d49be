using System.Globalization;
using System.Text.RegularExpressions;

namespace Conveyor.Web.Tests.Support;

/// <summary>One sample of a Prometheus text exposition.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict parser of the Prometheus text format (0.0.4) for the tests: every line must be a HELP or TYPE comment
/// or a sample; a sample's family must be typed before it; label values are unescaped. Anything else fails.
/// </summary>
public static partial class PrometheusText
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        text.ShouldEndWith("\n");
        var typed = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                HelpLine().IsMatch(line).ShouldBeTrue($"bad HELP line: {line}");
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var type = TypeLine().Match(line);
                type.Success.ShouldBeTrue($"bad TYPE line: {line}");
                typed.TryAdd(type.Groups[1].Value, type.Groups[2].Value).ShouldBeTrue($"family typed twice: {line}");
                continue;
            }
            var sample = SampleLine().Match(line);
            sample.Success.ShouldBeTrue($"not a sample line: '{line}'");
            var name = sample.Groups[1].Value;
            var family = FamilyOf(name, typed);
            typed.ContainsKey(family).ShouldBeTrue($"sample of an untyped family: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (sample.Groups[2].Success)
            {
                var body = sample.Groups[2].Value;
                var position = 0;
                while (position < body.Length)
                {
                    var label = LabelPair().Match(body, position);
                    (label.Success && label.Index == position).ShouldBeTrue($"bad labels in: {line}");
                    labels.Add(label.Groups[1].Value, Unescape(label.Groups[2].Value));
                    position += label.Length;
                    if (position < body.Length)
                    {
                        body[position].ShouldBe(',', $"bad labels in: {line}");
                        position++;
                    }
                }
            }
            if (typed[family] == "histogram" && name.EndsWith("_bucket", StringComparison.Ordinal))
                labels.ShouldContainKey("le", $"a histogram bucket without le: {line}");
            seen.Add(name + "{" + string.Join(",", labels.OrderBy(l => l.Key).Select(l => l.Key + "=" + l.Value)) + "}").ShouldBeTrue($"duplicate series: {line}");
            samples.Add(new PrometheusSample(name, labels, double.Parse(sample.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    /// <summary>The family a sample belongs to: its own name, or a histogram's or summary's for its _bucket, _sum and _count.</summary>
    private static string FamilyOf(string name, Dictionary<string, string> typed)
    {
        if (typed.ContainsKey(name)) return name;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && typed.TryGetValue(name[..^suffix.Length], out var type)
                && type is "histogram" or "summary" && (suffix != "_bucket" || type == "histogram"))
                return name[..^suffix.Length];
        }
        return name;
    }

    private static string Unescape(string value) =>
        Regex.Replace(value, @"\\(.)", m => m.Groups[1].Value switch { "n" => "\n", var other => other });

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
