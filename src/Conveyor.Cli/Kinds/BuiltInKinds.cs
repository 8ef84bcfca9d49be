namespace Conveyor.Cli.Kinds;

/// <summary>
/// The kinds every node started by the CLI can run, for smoke tests and benchmarks:
/// <c>conveyor.noop</c>, <c>conveyor.sleep {"ms": N}</c> (honours cancellation), <c>conveyor.echo</c>
/// (its result is its args) and <c>conveyor.fail {"message": "…", "permanent": false}</c>.
/// <c>conveyor.hang {"ms": N}</c> is left out of the help on purpose: it ignores cancellation, which is
/// only useful to test how a node copes with such a handler.
/// </summary>
internal static class BuiltInKinds
{
    public const string Noop = "conveyor.noop";
    public const string Sleep = "conveyor.sleep";
    public const string Echo = "conveyor.echo";
    public const string Fail = "conveyor.fail";
    public const string Hang = "conveyor.hang";

    /// <summary>The message of <c>conveyor.fail</c> when its args give none.</summary>
    public const string DefaultFailMessage = "conveyor.fail failed on purpose";

    /// <summary>Registers the built-in kinds on <paramref name="builder"/>.</summary>
    public static ConveyorBuilder AddBuiltInKinds(this ConveyorBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddJob(Noop, () => Task.CompletedTask)
            .AddJob(Sleep, (SleepArgs args, CancellationToken cancellationToken) => Task.Delay(Milliseconds(args.Ms), cancellationToken))
            .AddJob(Echo, (JobContext context) => context.SetResultJson(context.ArgsJson))
            .AddJob(Fail, Task (FailArgs args) => throw (args.Permanent
                ? new PermanentJobFailureException(args.Message ?? DefaultFailMessage)
                : new InvalidOperationException(args.Message ?? DefaultFailMessage)))
            // Deliberately without the token: this handler stands for code that ignores cancellation.
            .AddJob(Hang, (SleepArgs args) => Task.Delay(Milliseconds(args.Ms), CancellationToken.None));
    }

    private static TimeSpan Milliseconds(long ms) =>
        ms <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(ms, (long)TimeSpan.FromDays(7).TotalMilliseconds));

    /// <summary>Args of <c>conveyor.sleep</c> and <c>conveyor.hang</c>.</summary>
    internal sealed record SleepArgs(long Ms);

    /// <summary>Args of <c>conveyor.fail</c>.</summary>
    internal sealed record FailArgs(string? Message, bool Permanent);
}
