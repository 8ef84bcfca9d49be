using Spectre.Console;
using Spectre.Console.Rendering;

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

    /// <summary>The columns a view may use: the terminal's width, or a wide page for a pipe or file.</summary>
    public int Width => Math.Max(Ansi.Profile.Width, MinimumWidth);

    /// <summary>The rows a live view may use: the terminal's height (24 when it cannot be told).</summary>
    public int Height => Ansi.Profile.Height is > 0 and var rows ? Math.Max(rows, MinimumHeight) : 24;

    /// <summary>
    /// Writes <paramref name="view"/>: in colour to a terminal; to a pipe or file as plain lines without the spaces
    /// that pad a table's cells to the column's end (a script comparing or grepping lines should not see them).
    /// </summary>
    public void Write(IRenderable view)
    {
        if (IsInteractive)
        {
            Ansi.Write(view);
            return;
        }
        foreach (var line in PlainLines(view, Width)) Out.WriteLine(line);
    }

    /// <summary>Lays <paramref name="view"/> out in <paramref name="width"/> columns as plain text, each line's end trimmed.</summary>
    public static IReadOnlyList<string> PlainLines(IRenderable view, int width)
    {
        using var text = new StringWriter();
        var plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        plain.Profile.Width = width;
        plain.Write(view);
        var lines = text.ToString().ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        // A table's first and last lines are padding alone; as blank lines they only add height.
        while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0);
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    /// <summary>
    /// Writes a sentence or two after <paramref name="indent"/>: word-wrapped at the terminal's width (a terminal would
    /// break words apart), each line indented alike; as one line to a pipe or file.
    /// </summary>
    public void WriteProse(string text, string indent = "")
    {
        if (!IsInteractive)
        {
            Out.WriteLine(indent + text);
            return;
        }
        var line = new System.Text.StringBuilder(indent);
        var empty = true;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > Width - 1)
            {
                Out.WriteLine(line.ToString());
                line.Clear().Append(indent);
                empty = true;
            }
            if (!empty) line.Append(' ');
            line.Append(word);
            empty = false;
        }
        Out.WriteLine(line.ToString());
    }

    private const int MinimumWidth = 40;
    private const int MinimumHeight = 12;

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
