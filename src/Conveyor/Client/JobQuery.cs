namespace Conveyor;

/// <summary>Filters and paging for <see cref="JobClient.ListAsync"/>; jobs come newest first.</summary>
public sealed record JobQuery
{
    /// <summary>The largest page.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The default page size.</summary>
    public const int DefaultLimit = 50;

    public JobState? State { get; init; }
    public string? Queue { get; init; }
    public string? Kind { get; init; }
    /// <summary>Page size, 1–1000. Default 50.</summary>
    public int Limit { get; init; } = DefaultLimit;
    /// <summary>The <c>next</c> cursor of the previous page, or null for the first page.</summary>
    public string? Cursor { get; init; }
}
