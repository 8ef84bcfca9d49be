using System.Text.Json;
using Conveyor.Serialization;

namespace Conveyor.Cli.Output;

/// <summary>Writes one API body (see <see cref="ApiJson"/>) as one line of standard output.</summary>
internal static class JsonOutput
{
    public static void Write(CliConsole console, Action<Utf8JsonWriter> write) => console.Out.WriteLine(ApiJson.Render(write));
}
