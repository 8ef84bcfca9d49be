using System.Text;
using System.Text.Json;

namespace Conveyor.Handlers.Exec;

/// <summary>
/// One argument of an exec handler: literal text and <c>{field}</c> placeholders. Rendering replaces each placeholder
/// by a top-level field of the job's args and always yields exactly one argument, whatever the values hold (spaces,
/// quotes, <c>;</c>, <c>$(…)</c>): no shell ever reads it.
/// </summary>
internal sealed class ExecArgumentTemplate
{
    private readonly List<(string? Literal, string? Field)> _parts;

    private ExecArgumentTemplate(string text, List<(string? Literal, string? Field)> parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>The fields it reads.</summary>
    public IEnumerable<string> Fields => _parts.Where(p => p.Field is not null).Select(p => p.Field!);

    /// <summary>Parses a template; a malformed one throws <see cref="ArgumentException"/> saying where.</summary>
    public static ExecArgumentTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<(string? Literal, string? Field)>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{') { literal.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < text.Length && text[i + 1] == '}') { literal.Append('}'); i++; continue; }
            if (c == '}') throw new ArgumentException($"argument '{text}' has a '}}' that closes no placeholder (write '}}}}' for a literal brace)");
            if (c != '{') { literal.Append(c); continue; }
            var end = text.IndexOf('}', i + 1);
            if (end < 0) throw new ArgumentException($"argument '{text}' has a '{{' that is never closed (write '{{{{' for a literal brace)");
            var field = text[(i + 1)..end];
            if (Validation.Names.Check(field, Validation.Names.MaxKindLength, "field") is not null)
                throw new ArgumentException($"argument '{text}' has the placeholder '{{{field}}}': a field name is 1-128 characters of A-Z a-z 0-9 _ . : -");
            if (literal.Length > 0) { parts.Add((literal.ToString(), null)); literal.Clear(); }
            parts.Add((null, field));
            i = end;
        }
        if (literal.Length > 0 || parts.Count == 0) parts.Add((literal.ToString(), null));
        return new ExecArgumentTemplate(text, parts);
    }

    /// <summary>
    /// The argument for a job whose args are <paramref name="args"/> (null when they are not a JSON object). A field
    /// that is missing, null, an object or an array throws <see cref="PermanentJobFailureException"/>: the same args
    /// would fail every attempt.
    /// </summary>
    public string Render(JsonElement? args, int position)
    {
        if (_parts.Count == 1 && _parts[0].Literal is { } only) return only;
        var text = new StringBuilder();
        foreach (var (literal, field) in _parts)
        {
            if (literal is not null) { text.Append(literal); continue; }
            if (args is not { } root)
                throw new PermanentJobFailureException($"argument {position} ('{Text}') needs the field '{field}', but the job's args are not a JSON object");
            if (!root.TryGetProperty(field!, out var value))
                throw new PermanentJobFailureException($"argument {position} ('{Text}') needs the field '{field}', which the job's args do not have");
            text.Append(value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => throw new PermanentJobFailureException(
                    $"argument {position} ('{Text}') needs the field '{field}' to be a string, number or boolean, not {Describe(value.ValueKind)}"),
            });
        }
        return text.ToString();
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };
}
