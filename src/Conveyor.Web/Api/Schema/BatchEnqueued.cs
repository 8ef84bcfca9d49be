namespace Conveyor.Web.Api.Schema;

/// <summary>The answer of POST /api/batches: the batch, its callback job and its children's ids in input order.</summary>
internal sealed record BatchEnqueued(long BatchId, long CallbackId, IReadOnlyList<long> Ids);
