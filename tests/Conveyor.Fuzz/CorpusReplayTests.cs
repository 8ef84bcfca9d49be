namespace Conveyor.Fuzz;

/// <summary>Every committed corpus file, run once through its target: what the fuzzer found or was seeded with stays fixed.</summary>
public sealed class CorpusReplayTests
{
    private static string CorpusFolder => Path.Combine(AppContext.BaseDirectory, "corpus");

    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All.Keys)
            foreach (var file in Directory.GetFiles(Path.Combine(CorpusFolder, target)).Order(StringComparer.Ordinal))
                data.Add(target, Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_corpus_input_is_accepted_or_refused_with_a_clear_error(string target, string file) =>
        FuzzTargets.All[target](File.ReadAllBytes(Path.Combine(CorpusFolder, target, file)));

    [Fact]
    public void Every_target_has_a_corpus() =>
        FuzzTargets.All.Keys.ShouldAllBe(target => Directory.GetFiles(Path.Combine(CorpusFolder, target)).Length >= 10);
}
