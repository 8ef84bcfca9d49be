namespace Conveyor.Web.Tests.Support;

/// <summary>The kinds the in-process test node runs.</summary>
public static class TestKinds
{
    /// <summary>Succeeds; its result is its args.</summary>
    public const string Echo = "test.echo";

    /// <summary>Fails its first attempt (enqueue it with maxAttempts 1 and it goes dead), succeeds on any later one.</summary>
    public const string FailFirst = "test.fail_first";

    /// <summary>Message of <see cref="FailFirst"/>'s failure.</summary>
    public const string FailFirstMessage = "the first attempt always fails";

    /// <summary>Fails for good with the message its args give (<c>{"message": "…"}</c>).</summary>
    public const string FailWith = "test.fail_with";

    /// <summary>Sleeps <c>{"ms": N}</c> and ignores cancellation: run with a short timeout, it stays running past it.</summary>
    public const string Stubborn = "test.stubborn";

    /// <summary>Sleeps <c>{"ms": N}</c>, honouring cancellation.</summary>
    public const string Sleep = "test.sleep";

    /// <summary>Starts a span of <see cref="SpanRecorder.HandlerSourceName"/> and logs a warning inside it (category <c>test.traced</c>).</summary>
    public const string Traced = "test.traced";

    public static ConveyorBuilder AddTestKinds(this ConveyorBuilder builder) => builder
        .AddJob(Echo, (JobContext context) => context.SetResultJson(context.ArgsJson))
        .AddJob(FailFirst, (JobContext context) =>
        {
            if (context.Attempt <= 1) throw new InvalidOperationException(FailFirstMessage);
            context.SetResultJson("{\"ok\":true}");
        })
        .AddJob(FailWith, Task (JobContext context) =>
        {
            using var args = System.Text.Json.JsonDocument.Parse(context.ArgsJson);
            throw new PermanentJobFailureException(args.RootElement.GetProperty("message").GetString() ?? "failed");
        })
        .AddJob(Traced, (JobContext context, Microsoft.Extensions.Logging.ILoggerFactory loggers) =>
        {
            using var source = new System.Diagnostics.ActivitySource(SpanRecorder.HandlerSourceName);
            using var span = source.StartActivity("handler work");
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(loggers.CreateLogger("test.traced"), "the traced handler ran");
        })
        .AddJob(Sleep, (JobContext context, CancellationToken cancellationToken) =>
        {
            using var args = System.Text.Json.JsonDocument.Parse(context.ArgsJson);
            return Task.Delay(args.RootElement.GetProperty("ms").GetInt32(), cancellationToken);
        })
        .AddJob(Stubborn, (JobContext context) =>
        {
            using var args = System.Text.Json.JsonDocument.Parse(context.ArgsJson);
            // Deliberately without the token: this handler stands for code that ignores its timeout.
            return Task.Delay(args.RootElement.GetProperty("ms").GetInt32(), CancellationToken.None);
        });
}
