using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Handlers.Exec;

/// <summary>
/// Runs the jobs of one kind as a configured program (<see cref="ExecHandlerOptions"/>): started directly with an
/// argument list (no shell), args JSON on stdin, stdout the result, the tail of stderr the error. A timeout, a cancelled
/// job, or output past the limit kills the whole process tree, and the handler returns only once the program has exited.
/// </summary>
internal sealed class ExecHandlerDescriptor : JobHandlerDescriptor
{
    /// <summary>
    /// How long output may stay open after the program exited: a process it left running in the background keeps the
    /// pipes open, and is not part of the program's tree any more, so it cannot be killed with it.
    /// </summary>
    internal static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(5);

    private readonly ExecHandlerOptions _options;
    private readonly ExecArgumentTemplate[] _args;

    public ExecHandlerDescriptor(string kind, ExecHandlerOptions options) : base(kind)
    {
        _options = Check(kind, options);
        _args = [.. options.Args.Select(ExecArgumentTemplate.Parse)];
    }

    /// <summary>Checks the options (a problem throws <see cref="ArgumentException"/> naming the kind).</summary>
    private static ExecHandlerOptions Check(string kind, ExecHandlerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string Where(string what) => $"exec handler '{kind}': {what}";
        if (string.IsNullOrWhiteSpace(options.Command)) throw new ArgumentException(Where("command is required"), nameof(options));
        if (options.Command.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException(Where("command has a NUL character"), nameof(options));
        if (Path.IsPathRooted(options.Command))
        {
            if (!File.Exists(options.Command)) throw new ArgumentException(Where($"command '{options.Command}' does not exist"), nameof(options));
        }
        else if (options.Command.Contains('/', StringComparison.Ordinal) || options.Command.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException(Where($"command '{options.Command}' must be an absolute path or a program name found on PATH"), nameof(options));
        }
        ArgumentNullException.ThrowIfNull(options.Args);
        foreach (var arg in options.Args)
        {
            if (arg is null) throw new ArgumentException(Where("an argument is null"), nameof(options));
            if (arg.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException(Where($"argument '{arg}' has a NUL character"), nameof(options));
            try
            {
                ExecArgumentTemplate.Parse(arg);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException(Where(e.Message), nameof(options), e);
            }
        }
        if (options.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > WorkerOptions.MaxDuration))
            throw new ArgumentException(Where($"timeout must be positive and at most {WorkerOptions.MaxDuration.TotalDays:0} days (got {timeout})"), nameof(options));
        if (options.WorkingDirectory is { } directory && !Directory.Exists(directory))
            throw new ArgumentException(Where($"working directory '{directory}' does not exist"), nameof(options));
        foreach (var name in options.Environment?.Keys ?? [])
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
                throw new ArgumentException(Where($"environment variable name '{name}' is not valid"), nameof(options));
        }
        return options;
    }

    public override JobContext CreateContext(ClaimedJob job, IServiceScopeFactory scopes, IServiceProvider root, IJobProgressSink progress) =>
        new(job, scopes, progress);

    public override async Task InvokeAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var arguments = RenderArguments(job.ArgsJson);
        var start = new ProcessStartInfo(_options.Command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (_options.WorkingDirectory is { } directory) start.WorkingDirectory = directory;
        foreach (var (name, value) in _options.Environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.Environment["CONVEYOR_JOB_ID"] = job.Id.ToString(CultureInfo.InvariantCulture);
        start.Environment["CONVEYOR_JOB_KIND"] = job.Kind;
        start.Environment["CONVEYOR_JOB_ATTEMPT"] = job.Attempt.ToString(CultureInfo.InvariantCulture);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new ExecFailedException($"cannot start '{_options.Command}': {e.Message}");
        }

        using var timeout = _options.Timeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var tooMuchOutput = new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, tooMuchOutput.Token);
        var stdout = new BoundedCapture(ExecHandlerOptions.MaxResultBytes, keepTail: false);
        var stderr = new BoundedCapture(ExecHandlerOptions.ErrorTailBytes, keepTail: true);
        var reading = Task.WhenAll(
            stdout.ReadAsync(process.StandardOutput.BaseStream, tooMuchOutput),
            stderr.ReadAsync(process.StandardError.BaseStream, null));
        var writing = WriteStdinAsync(process, job.ArgsJson);

        var killed = false;
        try
        {
            await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            killed = true;
            // SIGKILL cannot be ignored: the wait is short, and nothing of the program outlives the handler.
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await writing.ConfigureAwait(false);
        try
        {
            await reading.WaitAsync(OutputGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The readers end when the process is disposed below and its pipes close.
            if (!killed)
            {
                throw new ExecFailedException(
                    $"'{_options.Command}' exited with code {process.ExitCode} but a process it left running still holds its output open after {OutputGrace.TotalSeconds:0} s");
            }
        }

        if (stdout.Total > ExecHandlerOptions.MaxResultBytes)
        {
            throw new ExecFailedException(
                $"the program wrote more than {ExecHandlerOptions.MaxResultBytes} bytes (64 KiB) to stdout, the most a result may hold{(killed ? "; its process tree was killed" : "")}");
        }
        if (killed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"the program ran longer than its timeout of {_options.Timeout}; its process tree was killed");
        }
        if (process.ExitCode != 0)
        {
            var tail = stderr.Text();
            throw new ExecFailedException(tail.Length == 0 ? $"exit code {process.ExitCode} (nothing on stderr)" : $"exit code {process.ExitCode}: {tail}");
        }
        context.SetResultJson(ExecResult.ToJson(stdout.Bytes()));
    }

    private string[] RenderArguments(string argsJson)
    {
        if (_args.Length == 0) return [];
        using var document = JsonDocument.Parse(argsJson);
        JsonElement? root = document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement : null;
        var arguments = new string[_args.Length];
        for (var i = 0; i < arguments.Length; i++) arguments[i] = _args[i].Render(root, i + 1);
        return arguments;
    }

    private static async Task WriteStdinAsync(Process process, string argsJson)
    {
        try
        {
            var stdin = process.StandardInput.BaseStream;
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(argsJson + "\n")).ConfigureAwait(false);
            await stdin.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The program exited or closed its stdin without reading it all: its choice.
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // As above.
            }
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }
}
