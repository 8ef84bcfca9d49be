global using Conveyor.Cli.Tests.Support;
global using Conveyor.Cluster.Tests.Support;
global using Conveyor.Reliability.Support;
global using Xunit.Abstractions;
