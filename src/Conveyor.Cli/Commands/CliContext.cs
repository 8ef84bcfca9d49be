using System.CommandLine;
using Conveyor.Cli.Output;
using Conveyor.Cli.Stores;

namespace Conveyor.Cli.Commands;

/// <summary>What every command shares: the <c>--store</c> option (on the root, inherited by all) and the console.</summary>
internal sealed class CliContext(Option<string?> storeOption, CliConsole console)
{
    public Option<string?> StoreOption { get; } = storeOption;

    public CliConsole Console { get; } = console;

    /// <summary>The store this invocation names (<c>--store</c>, else <c>CONVEYOR_STORE</c>, else the default).</summary>
    public StoreUrl Store(ParseResult parse) => StoreSelector.Resolve(parse.GetValue(StoreOption));

    /// <summary>A client and monitor on this invocation's store, which is created when it does not exist yet.</summary>
    public StoreSession Open(ParseResult parse) => StoreSession.Open(Store(parse));

    /// <summary>
    /// A client and monitor on this invocation's store, which must exist: a command that only reads or changes jobs
    /// fails with "no store at PATH" on a mistyped SQLite path instead of creating an empty store there.
    /// </summary>
    public StoreSession OpenExisting(ParseResult parse)
    {
        var store = Store(parse);
        if (store.Kind == StoreKind.Sqlite && !SqliteFileExists(store.Target))
            throw new Running.OperationFailedException($"no store at {store.Target}");
        return StoreSession.Open(store);
    }

    /// <summary>Whether the SQLite database <paramref name="target"/> exists (SQLite's in-memory names always do).</summary>
    private static bool SqliteFileExists(string target) =>
        target.Equals(":memory:", StringComparison.Ordinal) || target.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || File.Exists(target);
}
