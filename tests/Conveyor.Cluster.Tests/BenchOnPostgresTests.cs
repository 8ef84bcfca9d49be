using System.Net;
using System.Text.Json;
using Conveyor.Cluster.Tests.Support;
using Npgsql;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// <c>conveyor bench</c> against a real PostgreSQL server: each measure on a schema of its own that is dropped
/// afterwards, and the CPU each job cost the node and, for a server on this machine, the server. Speed is never
/// asserted; that the figures are there and counted is.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class BenchOnPostgresTests
{
    [Fact]
    public async Task Bench_MeasuresOnFreshSchemas_ReportsCpuPerJob_AndDropsTheSchemas()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();

        var stdout = await cluster.OkAsync("bench", "--measure", "enqueue_bulk,process,latency", "--jobs", "5000", "--latency-jobs", "20", "--json");

        var results = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        results.Select(r => r.GetProperty("measure").GetString()).ShouldBe(["enqueue_bulk", "process", "latency"]);
        results.ShouldAllBe(r => r.GetProperty("store").GetString() == "postgres");
        var local = IsLoopback(cluster.Server.ConnectionString);
        foreach (var result in results.Take(2))
        {
            result.GetProperty("jobs").GetInt32().ShouldBe(5000);
            result.GetProperty("jobs_per_s").GetDouble().ShouldBeGreaterThan(0);
            result.GetProperty("node_cpu_us_per_job").GetDouble().ShouldBeGreaterThan(0);
            var server = result.GetProperty("server_cpu_us_per_job");
            // Every job is a row the server wrote (and, for process, claimed and completed): it cannot cost it nothing.
            if (local) server.GetDouble().ShouldBeGreaterThan(0, result.GetProperty("measure").GetString());
            else server.ValueKind.ShouldBe(JsonValueKind.Null, "a remote server's processes cannot be read");
        }
        // Latency is mostly waiting between enqueues by design: no CPU figure.
        results[2].GetProperty("node_cpu_us_per_job").ValueKind.ShouldBe(JsonValueKind.Null);
        results[2].GetProperty("server_cpu_us_per_job").ValueKind.ShouldBe(JsonValueKind.Null);

        (await BenchSchemasLeftAsync(cluster)).ShouldBe("0", "every measure's schema is dropped");
    }

    [Fact]
    public async Task Bench_OnNodeProcesses_WarmsThemUp_ReportsTheServersCpuPerJob_AndLeavesNothingRunning()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();

        var stdout = await cluster.OkAsync("bench", "--measure", "process", "--nodes", "2", "--jobs", "2000", "--json");

        var result = JsonDocument.Parse(stdout.Trim()).RootElement;
        result.GetProperty("nodes").GetInt32().ShouldBe(2);
        result.GetProperty("jobs").GetInt32().ShouldBe(2000);
        result.GetProperty("jobs_per_s").GetDouble().ShouldBeGreaterThan(0);
        // The node processes' CPU, together, and what they cost the server.
        result.GetProperty("node_cpu_us_per_job").GetDouble().ShouldBeGreaterThan(0);
        if (IsLoopback(cluster.Server.ConnectionString)) result.GetProperty("server_cpu_us_per_job").GetDouble().ShouldBeGreaterThan(0);
        System.Diagnostics.Process.GetProcesses()
            .Count(p => { try { return File.ReadAllText($"/proc/{p.Id}/cmdline").Contains("conveyor_bench_"); } catch (IOException) { return false; } })
            .ShouldBe(0, "no node process outlives the bench");
        (await BenchSchemasLeftAsync(cluster)).ShouldBe("0", "every measure's schema is dropped");
    }

    private static async Task<string> BenchSchemasLeftAsync(TestCluster cluster)
    {
        var (exitCode, output) = await cluster.Server.PsqlAsync("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'conveyor\\_bench\\_%'");
        exitCode.ShouldBe(0, output);
        return output.Trim();
    }

    private static bool IsLoopback(string connectionString)
    {
        var host = new NpgsqlConnectionStringBuilder(connectionString).Host ?? "";
        return host.Split(',').All(h => h.Trim() is "localhost" || h.Trim().StartsWith('/') || (IPAddress.TryParse(h.Trim(), out var ip) && IPAddress.IsLoopback(ip)));
    }
}
