using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Conveyor.Fuzz;

/// <summary>Bytes for a fuzz target.</summary>
public sealed record RawBytes(byte[] Bytes)
{
    public override string ToString() => Convert.ToHexString(Bytes);
}

/// <summary>A corpus file of the <c>args</c> target with a few bytes changed.</summary>
public sealed record MutatedArgs(byte[] Bytes)
{
    public override string ToString() => Convert.ToHexString(Bytes);
}

/// <summary>A corpus file of the <c>request</c> target with a few bytes changed.</summary>
public sealed record MutatedBody(byte[] Bytes)
{
    public override string ToString() => Convert.ToHexString(Bytes);
}

/// <summary>A JSON object of the API's job fields (and some others) with values of any type.</summary>
public sealed record JobBody(string Json)
{
    public override string ToString() => Json;
}

/// <summary>The generators of hostile input (FsCheck arbitraries, found by <c>[Property(Arbitrary = …)]</c>).</summary>
public static class HostileInputs
{
    private static readonly string[] Fields =
        ["kind", "args", "queue", "priority", "runAt", "delay", "maxAttempts", "timeout", "orderingKey", "uniqueKey", "uniqueFor", "affinityKey", "after", "batch", "colour", ""];

    public static Arbitrary<RawBytes> Raw() => Arb.From(ByteArray(0, 300).Select(b => new RawBytes(b)));

    public static Arbitrary<MutatedArgs> Args() => Arb.From(Mutated("args").Select(b => new MutatedArgs(b)));

    public static Arbitrary<MutatedBody> Body() => Arb.From(Mutated("request").Select(b => new MutatedBody(b)));

    public static Arbitrary<JobBody> Job() => Arb.From(
        ListOf(Gen.Zip(Gen.Elements(Fields), JsonValue(2)), 0, 6).Select(pairs =>
        {
            var text = new StringBuilder("{");
            foreach (var (name, value) in pairs)
            {
                if (text.Length > 1) text.Append(',');
                text.Append('"').Append(name).Append("\":").Append(value);
            }
            return new JobBody(text.Append('}').ToString());
        }));

    /// <summary>Text a hostile client sends: control characters, SQL and JSON metacharacters, any UTF-16 unit (lone surrogates too), long runs.</summary>
    public static Gen<string> HostileText() => Gen.OneOf(
        Gen.Elements("k", "default", "conveyor.noop", "a b", "'; DROP TABLE jobs; --", "\" OR 1=1 --", "%_\\", "naïve", "😀", "", "1h", "10s", "-5s",
            "2030-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "NaN", "Infinity", "10675199.02:48:05.4775807"),
        ListOf(HostileChar(), 0, 40).Select(c => c.ToArray()).Select(c => new string(c)),
        Gen.Zip(Gen.Elements('k', 'x', '\u0001'), Gen.Choose(120, 300)).Select(p => new string(p.Item1, p.Item2)));

    private static Gen<char> HostileChar() => Gen.Frequency(
    [
        (6, Gen.Choose(0x20, 0x7E).Select(i => (char)i)),
        (2, Gen.Choose(0, 0x1F).Select(i => (char)i)),
        (1, Gen.Elements('\'', '"', '\\', ';', '%', '_', '\u007F', '\u0085', '\u2028', '\uFEFF')),
        (2, Gen.Choose(0, 0xFFFF).Select(i => (char)i)),
        (1, Gen.Choose(0xD800, 0xDFFF).Select(i => (char)i)),
    ]);

    /// <summary>A JSON value as text; strings escape what JSON requires and sometimes more (\u escapes of anything).</summary>
    private static Gen<string> JsonValue(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Constant("null"), Gen.Elements("true", "false"),
            Gen.Choose(int.MinValue, int.MaxValue).Select(i => i.ToString(CultureInfo.InvariantCulture)),
            Gen.Elements("0", "-0", "1.5", "1e400", "-1e400", "99999999999999999999", "1E-400", "0.0000001"),
            HostileText().Select(Quote));
        if (depth == 0) return scalar;
        return Gen.Frequency(
        [
            (4, scalar),
            (1, ListOf(JsonValue(depth - 1), 0, 4).Select(items => "[" + string.Join(",", items) + "]")),
            (1, ListOf(Gen.Zip(HostileText(), JsonValue(depth - 1)), 0, 4)
                .Select(items => "{" + string.Join(",", items.Select(p => Quote(p.Item1) + ":" + p.Item2)) + "}")),
        ]);
    }

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is '"' or '\\' || c < 0x20 || char.IsSurrogate(c)) quoted.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }

    private static Gen<IList<T>> ListOf<T>(Gen<T> gen, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ListOf(gen, n)).Select(list => (IList<T>)[.. list]);

    private static Gen<byte[]> ByteArray(int min, int max) =>
        ListOf(Gen.Choose(0, 255).Select(b => (byte)b), min, max).Select(b => b.ToArray());

    private static Gen<byte[]> Mutated(string target)
    {
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "corpus", target)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var edit = Gen.Zip(Gen.Choose(0, 2), Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(0, 255))).Select(e => (Kind: e.Item1, Where: e.Item2.Item1, Value: e.Item2.Item2));
        return Gen.Zip(Gen.Elements(seeds), ListOf(edit, 1, 8)).Select(p =>
        {
            var bytes = new List<byte>(p.Item1);
            foreach (var (kind, where, value) in p.Item2)
            {
                var at = bytes.Count == 0 ? 0 : where % bytes.Count;
                switch (kind)
                {
                    case 0 when bytes.Count > 0: bytes[at] = (byte)value; break;
                    case 1: bytes.Insert(at, (byte)value); break;
                    case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
                }
            }
            return bytes.ToArray();
        });
    }
}
