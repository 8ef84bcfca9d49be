using System.Data.Common;
using Conveyor.Storage;
using Conveyor.Validation;

namespace Conveyor.Cli.Running;

/// <summary>
/// Turns what went wrong into an exit code and ONE line on stderr: people get the reason, not a stack
/// trace. Set <c>CONVEYOR_DEBUG=1</c> to get the whole exception as well.
/// </summary>
internal sealed class ErrorReporter(TextWriter error, bool debug)
{
    /// <summary>The environment variable that adds the full exception to the one-line message.</summary>
    public const string DebugVariable = "CONVEYOR_DEBUG";

    /// <summary>Prints <paramref name="message"/> as the one error line.</summary>
    public void Line(string message) => error.WriteLine($"conveyor: {OneLine(message)}");

    /// <summary>Reports <paramref name="exception"/> and returns the exit code it stands for.</summary>
    public int Report(Exception exception, bool interrupted)
    {
        var (code, message) = exception switch
        {
            UsageException e => (ExitCodes.Usage, e.Message),
            JobValidationException e => (ExitCodes.Usage, e.Reason),
            OperationFailedException e => (ExitCodes.Failed, e.Message),
            JobNotFoundException e => (ExitCodes.Failed, $"job {e.JobId} not found"),
            OperationCanceledException when interrupted => (ExitCodes.Interrupted, "interrupted"),
            DbException e => (ExitCodes.Failed, $"store error: {e.Message}"),
            IOException e => (ExitCodes.Failed, e.Message),
            UnauthorizedAccessException e => (ExitCodes.Failed, e.Message),
            // The message alone: a type name means nothing to the person at the terminal (CONVEYOR_DEBUG=1 shows it).
            _ => (ExitCodes.Failed, exception.Message),
        };
        Line(message);
        if (debug) error.WriteLine(exception.ToString());
        return code;
    }

    /// <summary>
    /// The message on one line, with every other control character shown as <c>\uXXXX</c>: an error may echo what was
    /// typed, and an escape sequence in it would act on the terminal instead of being read.
    /// </summary>
    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        if (!line.Any(char.IsControl)) return line;
        var text = new System.Text.StringBuilder(line.Length + 16);
        foreach (var c in line)
        {
            if (char.IsControl(c)) text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else text.Append(c);
        }
        return text.ToString();
    }
}
