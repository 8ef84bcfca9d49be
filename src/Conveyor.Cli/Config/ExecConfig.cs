using System.Text.Json;

namespace Conveyor.Cli.Config;

/// <summary>
/// The <c>exec</c> section of the config file: kind → <c>{"command": "/path", "args": ["{field}", "-x"], "timeout":
/// "00:01:00", "workingDirectory": "…", "env": {"NAME": "value"}}</c>, each an <see cref="ExecHandlerOptions"/>.
/// </summary>
internal static class ExecConfig
{
    private const string Shape = """{"kind": {"command": "/path", "args": ["{field}"], "timeout": "1m", "workingDirectory": "/dir", "env": {"NAME": "value"}}}""";

    public static IReadOnlyList<KeyValuePair<string, ExecHandlerOptions>> Read(JsonElement section, ConfigReading read)
    {
        var handlers = new List<KeyValuePair<string, ExecHandlerOptions>>();
        foreach (var handler in read.Object(section, "exec", Shape))
        {
            var where = $"exec.{handler.Name}";
            if (Validation.Names.Check(handler.Name, Validation.Names.MaxKindLength, "kind") is { } bad) throw read.Error("exec:", bad);
            string? command = null;
            var options = new ExecHandlerOptions { Command = "" };
            foreach (var field in read.Object(handler.Value, where, Shape))
            {
                var at = $"{where}.{field.Name}";
                switch (field.Name)
                {
                    case "command": command = read.String(field.Value, at); break;
                    case "args": options = options with { Args = Strings(field.Value, at, read) }; break;
                    case "timeout": options = options with { Timeout = read.Duration(field.Value, at) }; break;
                    case "workingDirectory": options = options with { WorkingDirectory = read.String(field.Value, at) }; break;
                    case "env":
                        options = options with
                        {
                            Environment = read.Object(field.Value, at, """{"NAME": "value"}""").ToDictionary(v => v.Name, v => read.String(v.Value, $"{at}.{v.Name}"), StringComparer.Ordinal),
                        };
                        break;
                    default: throw read.Error(at, "is not a setting of an exec handler (known: command, args, timeout, workingDirectory, env)");
                }
            }
            if (command is null) throw read.Error($"{where}.command", "is required");
            handlers.Add(new(handler.Name, options with { Command = command }));
        }
        return handlers;
    }

    private static string[] Strings(JsonElement value, string where, ConfigReading read)
    {
        if (value.ValueKind != JsonValueKind.Array) throw read.Error(where, "must be an array of strings");
        return [.. value.EnumerateArray().Select((item, i) => read.String(item, $"{where}[{i}]"))];
    }
}
