namespace Conveyor.Samples.MapReduce;

/// <summary>
/// What a word is here: a maximal run of the ASCII letters A–Z and a–z, lower-cased. Everything else (digits,
/// punctuation, apostrophes, any other character) separates words, as in <c>tr -cs 'A-Za-z' '\n' | tr A-Z a-z</c>.
/// </summary>
internal static class Words
{
    /// <summary>Adds the words of <paramref name="text"/> to <paramref name="counts"/>; returns how many it found.</summary>
    public static long Count(ReadOnlySpan<char> text, Dictionary<string, long> counts)
    {
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> word = stackalloc char[256];
        var found = 0L;
        var i = 0;
        while (i < text.Length)
        {
            if (!IsLetter(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && IsLetter(text[i])) i++;
            var length = i - start;
            var lower = length <= word.Length ? word[..length] : new char[length];
            for (var k = 0; k < length; k++) lower[k] = (char)(text[start + k] | 0x20);
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lookup, (ReadOnlySpan<char>)lower, out _);
            count++;
            found++;
        }
        return found;
    }

    private static bool IsLetter(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';
}
