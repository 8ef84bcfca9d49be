using Conveyor.Cli.Output;
using Conveyor.Cli.Running;

var debug = Environment.GetEnvironmentVariable(ErrorReporter.DebugVariable) is "1" or "true";
return await new CliApplication(CliConsole.FromProcess(), debug).RunAsync(args);
