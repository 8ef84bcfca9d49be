namespace Conveyor.Samples;

/// <summary>A class handler: resolved from DI in a fresh scope for every job.</summary>
public sealed class SendWelcomeEmailHandler(IMailer mailer) : IJobHandler<SendWelcomeEmail>
{
    public Task HandleAsync(JobContext<SendWelcomeEmail> job, CancellationToken cancellationToken) =>
        mailer.SendAsync(job.Args.To, $"Welcome, {job.Args.Name}!", cancellationToken);
}
