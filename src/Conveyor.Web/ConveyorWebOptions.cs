namespace Conveyor.Web;

/// <summary>Settings of Conveyor's HTTP API and dashboard (<c>services.AddConveyorWeb(o =&gt; …)</c>).</summary>
public sealed class ConveyorWebOptions
{
    /// <summary>Default of <see cref="MaxRequestBytes"/>: 16 MiB.</summary>
    public const long DefaultMaxRequestBytes = 16L * 1024 * 1024;

    /// <summary>
    /// When set, every <c>/api/*</c> request needs <c>Authorization: Bearer KEY</c> and the dashboard asks for the key.
    /// Null or empty: no key (bind to loopback only).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The largest request body (a bulk enqueue) in bytes; a larger one answers 413. Each job's args are also
    /// bounded by <see cref="ConveyorOptions.MaxPayloadBytes"/>.</summary>
    public long MaxRequestBytes { get; set; } = DefaultMaxRequestBytes;

    internal void Validate()
    {
        if (MaxRequestBytes < 2)
            throw new InvalidOperationException($"MaxRequestBytes must be at least 2 (got {MaxRequestBytes})");
    }
}
