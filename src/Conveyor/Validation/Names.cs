namespace Conveyor.Validation;

/// <summary>The character rules for kinds and queues: 1–N chars of <c>[A-Za-z0-9_.:-]</c>.</summary>
public static class Names
{
    /// <summary>The longest kind name.</summary>
    public const int MaxKindLength = 128;

    /// <summary>The longest queue name.</summary>
    public const int MaxQueueLength = 64;

    /// <summary>The longest ordering, unique or affinity key.</summary>
    public const int MaxKeyLength = 255;

    /// <summary>The queue used when none is given.</summary>
    public const string DefaultQueue = "default";

    /// <summary>Null when <paramref name="name"/> is valid, else why not.</summary>
    public static string? Check(string? name, int maxLength, string what) => Failure(name, maxLength, what)?.Reason;

    /// <summary>Throws <see cref="JobValidationException"/> unless <paramref name="kind"/> is a valid kind.</summary>
    public static void EnsureKind(string? kind)
    {
        if (Failure(kind, MaxKindLength, "kind") is { } error) throw error;
    }

    /// <summary>Throws <see cref="JobValidationException"/> unless <paramref name="queue"/> is a valid queue name.</summary>
    public static void EnsureQueue(string? queue)
    {
        if (Failure(queue, MaxQueueLength, "queue") is { } error) throw error;
    }

    /// <summary>
    /// <paramref name="name"/> as an error may show it: control characters (a terminal would act on an escape sequence),
    /// lone surrogates and other invisible spacing as <c>\uXXXX</c>, and at most 80 characters of it.
    /// </summary>
    internal static string Printable(string name)
    {
        var text = new System.Text.StringBuilder(Math.Min(name.Length, 90));
        for (var i = 0; i < name.Length && i < 80; i++)
        {
            var c = name[i];
            if (char.IsControl(c) || char.IsSurrogate(c) || (char.IsWhiteSpace(c) && c != ' '))
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else
                text.Append(c);
        }
        if (name.Length > 80) text.Append("…");
        return text.ToString();
    }

    private static JobValidationException? Failure(string? name, int maxLength, string field)
    {
        if (string.IsNullOrEmpty(name)) return new JobValidationException(field, "is required", null);
        if (name.Length > maxLength) return new JobValidationException(field, $"is longer than {maxLength} characters", null);
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-'))
            {
                const string allowed = "only A-Z a-z 0-9 _ . : - are allowed";
                var shown = Printable(name);
                var character = char.IsControl(c) || char.IsSurrogate(c) || (char.IsWhiteSpace(c) && c != ' ') ? $"U+{(int)c:X4}" : $"'{c}'";
                return new JobValidationException(field, $"has the character {character}; {allowed}", shown, $"{field} '{shown}' has the character {character}; {allowed}");
            }
        }
        return null;
    }
}
