using System.Net;
using Conveyor.Web.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Conveyor.Web.Tests;

/// <summary>
/// The sample web app as the README runs it, one process with its own worker: a sign-up and its welcome mail are
/// written in one transaction, and the dashboard is served beside the app's endpoints.
/// </summary>
public sealed class SampleWebAppTests
{
    [Fact]
    public async Task A_sign_up_and_its_job_commit_together_the_job_runs_and_the_dashboard_shows_it()
    {
        var folder = Path.Combine(Path.GetTempPath(), "conveyor-webapp-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        try
        {
            var database = Path.Combine(folder, "samples.db");
            await using var web = await SampleProcess.StartAsync("WebApp", ["--urls", "http://127.0.0.1:0", "--Conveyor:Sqlite=" + database],
                new Dictionary<string, string>(), waitForListening: true);
            using var http = new HttpClient { BaseAddress = web.Root, Timeout = TimeSpan.FromSeconds(30) };

            var response = await http.PostAsync("signup?email=ada@example.com&name=Ada", null);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var id = (await response.JsonAsync()).GetProperty("id").GetInt64();
            await WebServer.WaitUntilAsync(async () =>
                (await (await http.GetAsync($"jobs/{id}")).JsonAsync()).GetProperty("state").GetString() == "succeeded",
                $"the welcome mail {id} was sent by the app's own worker\n{web.Output}", TimeSpan.FromSeconds(60));

            (await http.PostAsync("signup?email=&name=Nobody", null)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            // A second sign-up of the same address rolls back: no row and no job of its own.
            var again = await http.PostAsync("signup?email=ada@example.com&name=Ada+again", null);
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var count = connection.CreateCommand();
                count.CommandText = "SELECT (SELECT count(*) FROM signups), (SELECT count(*) FROM conveyor_jobs)";
                await using var reader = await count.ExecuteReaderAsync();
                (await reader.ReadAsync()).ShouldBeTrue();
                reader.GetInt64(0).ShouldBe(1);
                reader.GetInt64(1).ShouldBe(1);
            }

            var dashboard = await http.GetStringAsync("conveyor/");
            dashboard.ShouldContain("<title>Conveyor");
            var job = await (await http.GetAsync($"conveyor/api/jobs/{id}")).JsonAsync();
            job.GetProperty("kind").GetString().ShouldBe("sample.welcome_email");
            web.Output.ShouldContain("Mail to ada@example.com: Welcome, Ada!");
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold the file for a moment; the temp folder is cleaned by the system.
            }
        }
    }
}
