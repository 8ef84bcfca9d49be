using System.Runtime.InteropServices;

namespace Conveyor.Cli.Running;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM into a cancelled <see cref="Token"/> so that a command can stop
/// cleanly; a second signal is left to the runtime, which ends the process at once (the way out when a
/// clean stop hangs).
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public ShutdownSignal()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once a signal arrived.</summary>
    public bool Received => Volatile.Read(ref _signals) > 0;

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1) return;
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
