namespace Conveyor.Samples;

/// <summary>The args of the sample job: stored as JSON under the kind <c>sample.welcome_email</c>.</summary>
public sealed record SendWelcomeEmail(string To, string Name) : IJobArgs
{
    public static string Kind => "sample.welcome_email";
}
