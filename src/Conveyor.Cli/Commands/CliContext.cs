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

    /// <summary>A client and monitor on this invocation's store.</summary>
    public StoreSession Open(ParseResult parse) => StoreSession.Open(Store(parse));
}
