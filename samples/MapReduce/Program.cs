// MapReduce over Conveyor: split a large text into chunks, count each chunk's words in a job of its own on any of
// several worker processes, and merge the counts in the batch's callback. See docs/workflows.md.
using Conveyor.Samples.MapReduce;

SampleOptions options;
try
{
    options = SampleOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"mapreduce: {e.Message}");
    Console.Error.WriteLine(SampleOptions.Usage);
    return 2;
}

try
{
    return options.IsWorker ? await WorkerNode.RunAsync(options) : await Coordinator.RunAsync(options);
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"mapreduce: {e.Message}");
    return 1;
}
