using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Conveyor.Cli.Output;

/// <summary>
/// The worker's log lines: <c>HH:mm:ss info  message</c>, without the logger's category and event id (which mean
/// nothing to the person at the terminal). In a terminal a long message is word-wrapped under itself, since the
/// terminal would break it inside a word; to a pipe or file each entry is one line, for grep.
/// </summary>
internal sealed class CliLogFormatter(IOptionsMonitor<CliLogFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    /// <summary>The name the console logger knows this formatter by.</summary>
    public const string FormatterName = "conveyor";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        if (logEntry.Exception is { } exception && !message.Contains(exception.Message, StringComparison.Ordinal))
            message = $"{message}: {exception.Message}";
        var settings = options.CurrentValue;
        var (level, color) = logEntry.LogLevel switch
        {
            LogLevel.Trace => ("trce", "\e[90m"),
            LogLevel.Debug => ("dbug", "\e[90m"),
            LogLevel.Information => ("info", "\e[32m"),
            LogLevel.Warning => ("warn", "\e[33m"),
            LogLevel.Error => ("fail", "\e[31m"),
            _ => ("crit", "\e[1;31m"),
        };
        var time = DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var prefixWidth = time.Length + 1 + level.Length + 2;
        var line = new StringBuilder().Append(time).Append(' ');
        line.Append(settings.Color ? $"{color}{level}\e[0m" : level).Append("  ");
        var words = message.ReplaceLineEndings(" ").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var column = prefixWidth;
        var first = true;
        foreach (var word in words)
        {
            if (!first && settings.Width > 0 && column + 1 + word.Length > settings.Width - 1)
            {
                // A word too long for the indented column (a path, a URL) starts its own line at the left edge.
                var indent = prefixWidth + word.Length > settings.Width - 1 ? 0 : prefixWidth;
                line.Append('\n').Append(' ', indent);
                column = indent;
                first = true;
            }
            if (!first)
            {
                line.Append(' ');
                column++;
            }
            line.Append(word);
            column += word.Length;
            first = false;
        }
        textWriter.Write(line.Append('\n').ToString());
    }
}
