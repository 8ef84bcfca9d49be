using System.Text;

namespace Conveyor.Samples.MapReduce;

/// <summary>
/// A large text made up deterministically from a seed: words drawn with a Zipf-like skew from a vocabulary of
/// English words and made-up ones, with capitals, punctuation, numbers and apostrophes, about twelve words a line.
/// The same seed and size always give the same text.
/// </summary>
internal static class TextGenerator
{
    private static readonly string[] Common =
    [
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he",
        "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one",
        "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "queue",
        "job", "worker", "node", "batch", "map", "reduce", "word", "count", "river", "mountain", "letter", "garden",
    ];

    private static readonly string[] Syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zen", "dor", "ith", "ul", "qua", "xo", "bra", "el"];

    /// <summary>Writes about <paramref name="words"/> words (letters-only tokens) to <paramref name="writer"/>.</summary>
    public static void Write(TextWriter writer, int words, int seed)
    {
        var random = new Random(seed);
        var vocabulary = Vocabulary(random);
        var line = new StringBuilder(128);
        var inLine = 0;
        var sentenceStart = true;
        for (var n = 0; n < words; n++)
        {
            // Zipf-like: a few words very often, a long tail rarely.
            var index = (int)Math.Min(vocabulary.Length - 1, Math.Floor(Math.Pow(vocabulary.Length, random.NextDouble())) - 1);
            var word = vocabulary[Math.Max(0, index)];
            if (sentenceStart || random.Next(50) == 0) word = char.ToUpperInvariant(word[0]) + word[1..];
            if (random.Next(200) == 0) word = word.ToUpperInvariant();
            if (random.Next(40) == 0) word += "'s";
            line.Append(word);
            sentenceStart = false;
            switch (random.Next(30))
            {
                case 0: line.Append('.'); sentenceStart = true; break;
                case 1: line.Append(','); break;
                case 2: line.Append(';'); break;
                case 3: line.Append(" -- ").Append(random.Next(1, 2000)); break;
                case 4: line.Append('!'); sentenceStart = true; break;
            }
            if (++inLine >= 8 + random.Next(9))
            {
                writer.Write(line.Append('\n'));
                line.Clear();
                inLine = 0;
            }
            else
            {
                line.Append(' ');
            }
        }
        if (line.Length > 0) writer.Write(line.Append('\n'));
    }

    private static string[] Vocabulary(Random random)
    {
        var made = new HashSet<string>(Common, StringComparer.Ordinal);
        var words = new List<string>(Common);
        while (words.Count < 5000)
        {
            var word = new StringBuilder();
            for (var s = random.Next(1, 5); s > 0; s--) word.Append(Syllables[random.Next(Syllables.Length)]);
            if (made.Add(word.ToString())) words.Add(word.ToString());
        }
        return [.. words];
    }
}
