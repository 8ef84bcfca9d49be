// The node of the fault-injection suite (tests/Conveyor.Reliability): a Conveyor node built with the library's own
// hosting, as a user's worker is, running the test kinds. SIGTERM drains it like any Generic Host.
using Conveyor;
using Conveyor.Reliability.Node;

var arguments = NodeArguments.Parse(args);
Environment.SetEnvironmentVariable("CONVEYOR_TEST_NODE", arguments.Name);
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "conveyor-test-node" });
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
var worker = new WorkerOptionsBuilder();
arguments.Apply(worker);
var options = worker.Build();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout + options.CancelGrace + TimeSpan.FromSeconds(30));
builder.Services.AddConveyor(o =>
    {
        if (arguments.Store.StartsWith("sqlite:", StringComparison.Ordinal)) o.UseSqlite(arguments.Store["sqlite:".Length..]);
        else o.UsePostgres(arguments.Store);
    })
    .AddTestKinds()
    .AddWorker(options);
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"test node {arguments.Name} started");
await host.WaitForShutdownAsync();
