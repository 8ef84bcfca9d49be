using Microsoft.Extensions.Logging;

namespace Conveyor.Samples;

/// <summary>Stands in for an SMTP client.</summary>
public interface IMailer
{
    Task SendAsync(string to, string subject, CancellationToken cancellationToken);
}

/// <summary>Writes the mail to the log instead of sending it.</summary>
public sealed class ConsoleMailer(ILogger<ConsoleMailer> logger) : IMailer
{
    public async Task SendAsync(string to, string subject, CancellationToken cancellationToken)
    {
        await Task.Delay(50, cancellationToken);
        logger.LogInformation("Mail to {To}: {Subject}", to, subject);
    }
}
