using System.Globalization;

namespace Conveyor.Cli.Soak;

/// <summary>The soak's one-screen report: what ran, what was done to the cluster, and each invariant with its first breaks.</summary>
internal static class SoakReport
{
    public static void Write(TextWriter output, SoakSettings settings, SoakLedger ledger, SoakAudit audit, TimeSpan took)
    {
        var jobs = audit.Final;
        var types = ledger.Jobs.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Count());
        var rerun = jobs.Where(j => j.Attempt > 1 && ledger.Jobs.TryGetValue(j.Id, out var t) && t != SoakJobType.Failing).ToList();
        var leaseErrors = jobs.Sum(j => j.Errors.Count(e => e.Type == JobError.LeaseExpiredType));
        var c = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(c, $"soak {settings.RunId}: {took.TotalMinutes:0.0} min in all ({settings.Duration.TotalMinutes:0.##} of load), seed {settings.Seed}"));
        output.WriteLine(string.Create(c, $"  jobs enqueued      {ledger.Jobs.Count,8:N0}   ({string.Join(", ", Enum.GetValues<SoakJobType>().Select(t => $"{t.ToString().ToLowerInvariant()} {types.GetValueOrDefault(t):N0}"))})"));
        output.WriteLine(string.Create(c, $"  unique matches     {ledger.UniqueMatches.Values.Sum(),8:N0}   (enqueues that got the job holding the key)"));
        output.WriteLine(string.Create(c, $"  enqueues refused   {ledger.EnqueueFailures,8:N0}   (store unreachable; never acknowledged, {jobs.Count(j => !ledger.Jobs.ContainsKey(j.Id)):N0} of them stored)"));
        output.WriteLine(string.Create(c, $"  workers killed     {ledger.Kills,8:N0}   (kill -9, each replaced)"));
        output.WriteLine(string.Create(c, $"  postgres restarts  {ledger.PostgresRestarts,8:N0}"));
        output.WriteLine(string.Create(c, $"  final states       {string.Join(", ", jobs.GroupBy(j => j.State).OrderBy(g => g.Key).Select(g => $"{g.Key.ToWireName()} {g.Count():N0}"))}"));
        output.WriteLine(string.Create(c, $"  lost leases        {leaseErrors,8:N0}   second runs of jobs that never fail: {rerun.Count:N0}"));
        output.WriteLine(string.Create(c, $"  worst lease overrun {audit.WorstOverrun.TotalSeconds,7:0.0} s (bound {settings.RescueBound.TotalSeconds:0.0} s, {audit.Samples} samples)"));
        output.WriteLine("invariants");
        foreach (var invariant in SoakAudit.All)
        {
            if (!audit.Broken.TryGetValue(invariant, out var details))
            {
                output.WriteLine($"  ok      {invariant}");
                continue;
            }
            output.WriteLine(string.Create(c, $"  BROKEN  {invariant}: {details.Count} case(s)"));
            foreach (var detail in details.Take(3)) output.WriteLine($"            {detail}");
        }
        output.WriteLine(audit.Broken.Count == 0 ? "every invariant held" : string.Create(c, $"{audit.Broken.Count} invariant(s) broke"));
    }
}
