using Spectre.Console;

namespace Conveyor.Cli.Output;

/// <summary>
/// Where a command writes: plain text and JSON to <see cref="Out"/>, the one-line error to <see cref="Error"/>,
/// tables and live views through <see cref="Ansi"/> (which writes to the same standard output).
/// </summary>
internal sealed class CliConsole
{
    /// <summary>Wide enough for the tables when the output goes to a pipe or file, where nobody wraps lines.</summary>
    private const int RedirectedWidth = 200;

    private CliConsole(TextWriter output, TextWriter error, IAnsiConsole ansi, bool interactive)
    {
        Out = output;
        Error = error;
        Ansi = ansi;
        IsInteractive = interactive;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public IAnsiConsole Ansi { get; }

    /// <summary>True when standard output is a terminal (live views redraw); false for a pipe or file.</summary>
    public bool IsInteractive { get; }

    /// <summary>The process's console.</summary>
    public static CliConsole FromProcess() => Create(Console.Out, Console.Error, redirected: Console.IsOutputRedirected);

    /// <summary>A console writing to <paramref name="output"/> and <paramref name="error"/> as to a pipe: no colours, no live views.</summary>
    public static CliConsole Redirected(TextWriter output, TextWriter error) => Create(output, error, redirected: true);

    private static CliConsole Create(TextWriter output, TextWriter error, bool redirected)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected) ansi.Profile.Width = RedirectedWidth;
        return new CliConsole(output, error, ansi, !redirected);
    }
}
