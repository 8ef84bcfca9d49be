using SharpFuzz;

namespace Conveyor.Fuzz;

/// <summary>
/// <c>dotnet Conveyor.Fuzz.dll TARGET</c> under <c>afl-fuzz</c> (SharpFuzz's out-of-process mode); with
/// <c>--replay FILE…</c> it runs files through the target once, outside the fuzzer. README.md has the steps.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: Conveyor.Fuzz TARGET [--replay FILE…]   (targets: {string.Join(", ", FuzzTargets.All.Keys)})");
            return 2;
        }
        if (args.Length > 1 && args[1] == "--replay")
        {
            foreach (var file in args.Skip(2))
                target(File.ReadAllBytes(file));
            return 0;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target(buffer.ToArray());
        });
        return 0;
    }
}
