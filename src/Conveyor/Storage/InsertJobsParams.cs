using System.Data.Common;

namespace Conveyor.Storage;

/// <summary>Jobs to insert atomically.</summary>
/// <param name="Jobs">The jobs, in order.</param>
/// <param name="Now">The time of the enqueue (created_at).</param>
/// <param name="Transaction">The caller's own open transaction to join; only for stores with
/// <see cref="StoreCapabilities.SupportsTransactionalEnqueue"/>. The caller commits or rolls back.</param>
public sealed record InsertJobsParams(IReadOnlyList<NewJob> Jobs, DateTimeOffset Now, DbTransaction? Transaction = null);

/// <summary>The outcome of inserting one job.</summary>
/// <param name="Id">The new job's id, or the existing job's id when a unique key matched.</param>
/// <param name="Existing">True when no job was inserted because the unique key matched <see cref="Id"/>.</param>
public readonly record struct InsertedJob(long Id, bool Existing);
