namespace Conveyor.Storage.Memory;

/// <summary>Leader election within one process: a holder and the end of its lease, under a lock.</summary>
internal sealed class MemoryLeaderElector : ILeaderElector
{
    private readonly Lock _lock = new();
    private string? _holder;
    private DateTimeOffset _expiresAt;

    public Task<bool> TryAcquireAsync(LeaderLeaseParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var free = _holder is null || parameters.Now >= _expiresAt;
            if (!free && _holder != parameters.NodeName) return Task.FromResult(false);
            _holder = parameters.NodeName;
            _expiresAt = parameters.Now + parameters.Ttl;
            return Task.FromResult(true);
        }
    }

    public Task ReleaseAsync(LeaderReleaseParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_holder == parameters.NodeName) _holder = null;
        }
        return Task.CompletedTask;
    }

    public Task<string?> GetLeaderAsync(GetLeaderParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_holder is not null && parameters.Now < _expiresAt ? _holder : null);
        }
    }
}
