namespace Conveyor.Cli.Soak;

/// <summary>The kinds of load a soak mixes; each is checked by its own rules at the end.</summary>
internal enum SoakJobType
{
    /// <summary><c>conveyor.noop</c>: finishes at once.</summary>
    Short,

    /// <summary><c>conveyor.sleep</c> of 2–6 s: often running when a worker is killed.</summary>
    Long,

    /// <summary><c>conveyor.fail</c> with 2 attempts: ends dead with two handler errors.</summary>
    Failing,

    /// <summary><c>conveyor.sleep</c> of 50 ms with one of a few ordering keys: never two of a key at once, in enqueue order.</summary>
    Keyed,

    /// <summary><c>conveyor.sleep</c> of 300 ms with one of a few unique keys: one job per key while it is not final.</summary>
    Unique,

    /// <summary><c>conveyor.noop</c> due 1–10 s later.</summary>
    Scheduled,
}
