global using Conveyor.Cli.Tests.Support;
