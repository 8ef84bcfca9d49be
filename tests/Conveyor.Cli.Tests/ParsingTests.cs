using Conveyor.Cli.Config;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;

namespace Conveyor.Cli.Tests;

/// <summary>The CLI's parsers, in process: store URLs, durations, --queues and the config file.</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData("sqlite:conveyor.db", "Sqlite", "conveyor.db")]
    [InlineData("sqlite:///var/lib/conveyor/jobs.db", "Sqlite", "/var/lib/conveyor/jobs.db")]
    [InlineData("memory:", "Memory", "")]
    [InlineData("postgres://app:secret@db:5432/jobs", "Postgres", "postgres://app:secret@db:5432/jobs")]
    [InlineData("postgresql://db/jobs?schema=work", "Postgres", "postgresql://db/jobs?schema=work")]
    [InlineData("Host=db;Username=app;Password=secret", "Postgres", "Host=db;Username=app;Password=secret")]
    public void StoreUrl_ParsesEveryForm(string text, string kind, string target)
    {
        StoreUrl.Parse(text).ShouldBe(new StoreUrl(Enum.Parse<StoreKind>(kind), target));
    }

    [Theory]
    [InlineData("mysql://db")]
    [InlineData("sqlite:")]
    [InlineData("conveyor.db")]
    [InlineData("")]
    public void StoreUrl_RejectsOtherForms(string text)
    {
        Should.Throw<UsageException>(() => StoreUrl.Parse(text)).Message.ShouldContain("bad store");
    }

    [Theory]
    [InlineData("postgres://app:secret@db:5432/jobs", "postgres://app:***@db:5432/jobs")]
    [InlineData("Host=db;Password=secret;Username=app", "Host=db;Password=***;Username=app")]
    public void StoreUrl_HidesPasswordsWhenShown(string text, string shown)
    {
        StoreUrl.Parse(text).ToString().ShouldBe(shown);
    }

    [Fact]
    public void StoreSelector_PrefersTheOption_ThenTheEnvironment_ThenTheDefault()
    {
        StoreSelector.Resolve("memory:", "sqlite:env.db").Kind.ShouldBe(StoreKind.Memory);
        StoreSelector.Resolve(null, "sqlite:env.db").Target.ShouldBe("env.db");
        StoreSelector.Resolve(null, null).ShouldBe(StoreUrl.Parse(StoreUrl.Default));
    }

    [Fact]
    public void StoreSelector_ReadsPostgresUrls_WithTheirSchema()
    {
        var settings = StoreSelector.Postgres(StoreUrl.Parse("postgres://app:secret@db:5433/jobs?schema=work"));
        settings.Schema.ShouldBe("work");
        settings.ConnectionString.ShouldContain("Host=db");
        settings.ConnectionString.ShouldContain("Port=5433");
        StoreSelector.Postgres(StoreUrl.Parse("Host=db;Username=app;Database=jobs")).Schema.ShouldBe("conveyor");
    }

    [Fact]
    public void StoreSelector_RejectsABadSchema_AsUsage()
    {
        Should.Throw<UsageException>(() => StoreSelector.Postgres(StoreUrl.Parse("postgres://db/jobs?schema=no-dashes")))
            .Message.ShouldStartWith("bad store");
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("00:01:30", 90_000)]
    [InlineData("1:00:00", 3_600_000)]
    [InlineData("0s", 0)]
    public void Durations_AcceptUnitsAndClockSpans(string text, long milliseconds)
    {
        Durations.TryParse(text, out var value).ShouldBeTrue();
        value.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("-5s")]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("-00:01:00")]
    [InlineData("")]
    public void Durations_RejectEverythingElse(string text)
    {
        Durations.TryParse(text, out _).ShouldBeFalse();
        Should.Throw<UsageException>(() => Durations.Parse(text, "--delay")).Message.ShouldContain("500ms, 10s, 5m, 1h, 2d or hh:mm:ss");
    }

    [Fact]
    public void QueueSpec_ReadsNamesWithOptionalSlots()
    {
        QueueSpec.Parse("default, smtp=2,reports=1").ShouldBe([new("default", null), new("smtp", 2), new("reports", 1)]);
    }

    [Theory]
    [InlineData("a,,b", "empty queue name")]
    [InlineData("a=0", "not a number of worker slots")]
    [InlineData("a=x", "not a number of worker slots")]
    [InlineData("a,a", "named twice")]
    [InlineData("a b", "has the character ' '")]
    public void QueueSpec_RejectsBadSpecs(string text, string message)
    {
        Should.Throw<UsageException>(() => QueueSpec.Parse(text)).Message.ShouldContain(message);
    }

    [Fact]
    public void WorkerConfig_ReadsQueuesInBothForms()
    {
        var config = WorkerConfig.Parse("""{ "queues": { "default": 8, "smtp": { "concurrency": 2 } } } // comment""", "conveyor.json");

        config.Queues.ShouldBe([new("default", 8), new("smtp", 2)]);
    }

    [Fact]
    public void WorkerConfig_ReadsTheLimitsOfAQueue_AndLeavesQueuesWithoutLimitsOut()
    {
        var config = WorkerConfig.Parse("""
            { "queues": { "default": 8,
                          "smtp": { "concurrency": 2, "globalLimit": 4, "rateLimit": "100/1m", "ordered": true, "maxBacklog": 10000 },
                          "mail": { "concurrency": 1, "rateLimit": "10/500ms" } } }
            """, "conveyor.json");

        config.Limits.Keys.Order().ShouldBe(["mail", "smtp"]);
        config.Limits["smtp"].ShouldBe(new QueueLimits(4, new RateLimit(100, TimeSpan.FromMinutes(1)), Ordered: true, MaxBacklog: 10_000));
        config.Limits["mail"].ShouldBe(new QueueLimits(RateLimit: new RateLimit(10, TimeSpan.FromMilliseconds(500))));
    }

    [Theory]
    [InlineData("100/1m", 100, 60_000, "100/1m")]
    [InlineData("50/1s", 50, 1_000, "50/1s")]
    [InlineData("5/90s", 5, 90_000, "5/90s")]
    [InlineData("3/m", 3, 60_000, "3/1m")]
    [InlineData("1/1d", 1, 86_400_000, "1/1d")]
    [InlineData("7/1500ms", 7, 1_500, "7/1500ms")]
    public void RateLimit_ParsesAndPrintsNPerPeriod(string text, int count, int milliseconds, string printed)
    {
        var rate = RateLimit.Parse(text);
        rate.Count.ShouldBe(count);
        rate.Period.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
        rate.ToString().ShouldBe(printed);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0/1s")]
    [InlineData("-1/1s")]
    [InlineData("100/0s")]
    [InlineData("100/1w")]
    [InlineData("100/2d")]
    [InlineData("100/")]
    [InlineData("/1s")]
    [InlineData("1.5/1s")]
    public void RateLimit_RefusesWhatIsNotNPerPeriod(string text)
    {
        RateLimit.TryParse(text, out var error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(text);
    }

    [Theory]
    [InlineData("""{ "prefetch": 0 }""", 0)]
    [InlineData("""{ "prefetch": "0" }""", 0)]
    [InlineData("""{ "prefetch": "25ms" }""", 25)]
    public void WorkerConfig_ReadsThePrefetchHorizon(string text, int milliseconds)
    {
        WorkerConfig.Parse(text, "conveyor.json").Prefetch.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Fact]
    public void WorkerConfig_ReadsThePoolSize_TheCaps_AndTheWeights()
    {
        var config = WorkerConfig.Parse("""{ "concurrency": 16, "queues": { "a": 3, "b": { "weight": 2 }, "c": { "concurrency": 4, "weight": 1 } } }""", "conveyor.json");

        config.Concurrency.ShouldBe(16);
        config.Queues.ShouldBe([new("a", 3), new("b", null), new("c", 4)]);
        config.WeightOf("a").ShouldBeNull();
        config.WeightOf("b").ShouldBe(2);
        config.WeightOf("c").ShouldBe(1);
    }

    [Theory]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "globalLimit": 0 } } }""", "queues.smtp.globalLimit must be a whole number 1–1000000 (got 0)")]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "globalLimit": "4" } } }""", "queues.smtp.globalLimit must be a whole number 1–1000000 (got \"4\")")]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "rateLimit": "100/0s" } } }""", "queues.smtp.rateLimit: rate limit '100/0s': the period must be 1ms–1d")]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "rateLimit": "abc" } } }""", "queues.smtp.rateLimit: 'abc' is not a rate limit: write N/PERIOD, such as 100/1m or 50/1s")]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "rateLimit": 100 } } }""", "queues.smtp.rateLimit must be a string N/PERIOD")]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "ordered": "yes" } } }""", "queues.smtp.ordered must be true or false")]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "maxBacklog": -5 } } }""", "queues.smtp.maxBacklog must be a whole number 1–1000000000 (got -5)")]
    [InlineData("""{ "queues": { "smtp": { "concurrency": 2, "limit": 5 } } }""", "unknown setting queues.smtp.limit (known: concurrency, weight, globalLimit, rateLimit, ordered, maxBacklog)")]
    [InlineData("""{ "exec": { "x": {} } }""", "config file 'conveyor.json': exec.x.command is required")]
    [InlineData("""{ "exec": { "x": { "command": "/bin/sh", "shell": true } } }""", "exec.x.shell is not a setting of an exec handler (known: command, args, timeout, workingDirectory, env)")]
    [InlineData("""{ "exec": { "x": { "command": "/bin/sh", "args": "-c" } } }""", "exec.x.args must be an array of strings")]
    [InlineData("""{ "exec": { "x": { "command": "/bin/sh", "timeout": "soon" } } }""", "exec.x.timeout must be a duration string")]
    [InlineData("""{ "cron": { "n": { "kind": "k" } } }""", "cron.n.schedule is required")]
    [InlineData("""{ "cron": { "n": { "schedule": "* * * * *" } } }""", "cron.n.kind is required")]
    [InlineData("""{ "cron": { "n": { "schedule": "* * * * *", "kind": "k", "runAt": "2030-01-01T00:00:00Z" } } }""", "cron.n.runAt is not a setting of a cron schedule")]
    [InlineData("""{ "cron": { "n": { "schedule": "* * * * *", "kind": "k", "missedTicks": "later" } } }""", "cron.n.missedTicks must be \"catch-up\" or \"skip\"")]
    [InlineData("""{ "queue": {} }""", "unknown setting 'queue'")]
    [InlineData("""{ "queues": { "a": 0 } }""", "whole number of worker slots")]
    [InlineData("""{ "queues": { "a": { "weight": 0 } } }""", "queues.a.weight must be a whole number, 1 or more")]
    [InlineData("""{ "concurrency": 0 }""", "concurrency must be a whole number of worker slots, 1 or more")]
    [InlineData("""{ "queues": """, "not valid JSON")]
    [InlineData("{\n  \"queues\": { \"a\": x }\n}", "not valid JSON: 'x' is an invalid start of a value (line 2, column 20)")]
    [InlineData("""[1]""", "must hold a JSON object")]
    [InlineData("""{ "prefetch": "2s" }""", "prefetch must be 0 (claim only for free slots) or a duration of at most 1s, such as 10ms (got 2s)")]
    [InlineData("""{ "prefetch": 5 }""", "prefetch must be 0 (claim only for free slots) or a duration of at most 1s, such as 10ms (got 5)")]
    public void WorkerConfig_RefusesWhatItCannotHonour(string text, string message)
    {
        Should.Throw<UsageException>(() => WorkerConfig.Parse(text, "conveyor.json")).Message.ShouldContain(message);
    }
}
