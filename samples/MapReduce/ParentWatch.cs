namespace Conveyor.Samples.MapReduce;

/// <summary>
/// Ends a worker node when the process that started it closes the node's standard input: the coordinator's way to
/// stop its workers gracefully on every platform (and the workers end with it should it die).
/// </summary>
internal sealed class ParentWatch(IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var input = Console.OpenStandardInput();
        var buffer = new byte[256];
        try
        {
            while (await input.ReadAsync(buffer, stoppingToken) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lifetime.StopApplication();
    }
}
