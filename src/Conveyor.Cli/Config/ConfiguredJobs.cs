using Conveyor.Cli.Running;
using Conveyor.Recurring;
using Conveyor.Validation;

namespace Conveyor.Cli.Config;

/// <summary>Adds the config file's exec handlers and cron schedules to a node's setup; a problem is bad usage naming the file.</summary>
internal static class ConfiguredJobs
{
    public static ConveyorBuilder AddConfigured(this ConveyorBuilder builder, WorkerConfig? config, string? source)
    {
        if (config is null) return builder;
        foreach (var (kind, options) in config.Exec)
        {
            try
            {
                builder.AddExecJob(kind, options);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"config file '{source}': {WithoutParameter(e)}");
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException($"config file '{source}': exec.{kind}: {e.Message}");
            }
        }
        foreach (var job in config.Cron)
        {
            try
            {
                builder.AddRecurring(job, RecurringJobRegistry.ConfigSource);
            }
            catch (JobValidationException e)
            {
                throw new UsageException($"config file '{source}': cron.{job.Name}: {e.Reason}");
            }
        }
        return builder;
    }

    private static string WithoutParameter(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
