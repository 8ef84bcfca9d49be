using Microsoft.Extensions.Logging.Console;

namespace Conveyor.Cli.Output;

/// <summary>How <see cref="CliLogFormatter"/> lays a log line out.</summary>
internal sealed class CliLogFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>The terminal's width to wrap at; 0 for a pipe or file, where each entry stays one line.</summary>
    public int Width { get; set; }

    /// <summary>Whether to colour the level (a terminal).</summary>
    public bool Color { get; set; }
}
