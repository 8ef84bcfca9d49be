using Conveyor.Storage;
using Conveyor.Storage.Memory;

namespace Conveyor.StoreConformance;

/// <summary>The conformance suite against the in-memory store (one process: the second instance is the same store).</summary>
public sealed class MemoryStoreConformanceTests : StoreConformanceTests
{
    protected override Task<IJobStore> CreateStoreAsync() => Task.FromResult<IJobStore>(new MemoryJobStore());
}
