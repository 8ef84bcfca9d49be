using System.Text.Json;
using Conveyor.Cli.Running;
using Conveyor.Validation;

namespace Conveyor.Cli.Config;

/// <summary>
/// The worker's config file (<c>--config conveyor.json</c>). Read here: <c>concurrency</c> (the node's pool of worker
/// slots), <c>queues</c>, each either a number (the queue's cap) or <c>{"concurrency": N, "weight": W}</c> (both
/// optional) with the queue's cluster-wide limits (<c>"globalLimit": N, "rateLimit": "N/PERIOD", "ordered": true,
/// "maxBacklog": N</c>), <c>prefetch</c> (a duration such as <c>"10ms"</c>, or <c>0</c> for none), <c>exec</c> handlers
/// (<see cref="ExecConfig"/>) and <c>cron</c> schedules (<see cref="CronConfig"/>). A queue that names any limit gets
/// exactly the limits it names (the others are none), set in the store when the node starts (<see cref="Limits"/>).
/// </summary>
internal sealed record WorkerConfig(IReadOnlyList<KeyValuePair<string, int?>> Queues, TimeSpan? Prefetch = null)
{
    /// <summary>The exec handlers, by kind, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, ExecHandlerOptions>> Exec { get; init; } = [];

    /// <summary>The recurring schedules, in file order.</summary>
    public IReadOnlyList<RecurringJob> Cron { get; init; } = [];

    /// <summary>Reads and checks the file at <paramref name="path"/>; any problem is a <see cref="UsageException"/>.</summary>
    public static WorkerConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read config file '{path}': {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses the config text; <paramref name="source"/> names it in messages.</summary>
    public static WorkerConfig Parse(string text, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UsageException($"config file '{source}' is not valid JSON: {Validation.JobValidator.JsonProblem(e, System.Text.Encoding.UTF8.GetBytes(text))}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new UsageException($"config file '{source}' must hold a JSON object");
            var queues = new List<KeyValuePair<string, int?>>();
            var weights = new Dictionary<string, int>(StringComparer.Ordinal);
            var limits = new Dictionary<string, QueueLimits>(StringComparer.Ordinal);
            int? concurrency = null;
            TimeSpan? prefetch = null;
            IReadOnlyList<KeyValuePair<string, ExecHandlerOptions>> exec = [];
            IReadOnlyList<RecurringJob> cron = [];
            var settings = new HashSet<string>(StringComparer.Ordinal);
            foreach (var setting in root.EnumerateObject())
            {
                // JSON readers keep the last of repeated names; a file that says two things is refused instead.
                if (!settings.Add(setting.Name)) throw new UsageException($"config file '{source}': setting '{setting.Name}' is given twice");
                switch (setting.Name)
                {
                    case "queues":
                        ReadQueues(setting.Value, source, queues, weights, limits);
                        break;
                    case "concurrency":
                        concurrency = Slots(setting.Value, "concurrency", source);
                        break;
                    case "prefetch":
                        prefetch = ReadPrefetch(setting.Value, source);
                        break;
                    case "exec":
                        exec = ExecConfig.Read(setting.Value, new ConfigReading(source));
                        break;
                    case "cron":
                        cron = CronConfig.Read(setting.Value, new ConfigReading(source));
                        break;
                    default:
                        throw new UsageException($"config file '{source}': unknown setting '{setting.Name}' (known: concurrency, queues, prefetch, exec, cron)");
                }
            }
            return new WorkerConfig(queues, prefetch) { Exec = exec, Cron = cron, Concurrency = concurrency, Weights = weights, Limits = limits };
        }
    }

    /// <summary>The cluster-wide limits of the queues that name any, to set in the store at the node's start.</summary>
    public IReadOnlyDictionary<string, QueueLimits> Limits { get; init; } = new Dictionary<string, QueueLimits>();

    /// <summary>The node's pool of worker slots (top-level <c>concurrency</c>), when given.</summary>
    public int? Concurrency { get; init; }

    /// <summary>The weights given to queues (<c>{"weight": W}</c>); a queue not named here weighs its cap.</summary>
    public IReadOnlyDictionary<string, int> Weights { get; init; } = new Dictionary<string, int>();

    /// <summary>The weight given to <paramref name="queue"/>, or null.</summary>
    public int? WeightOf(string queue) => Weights.TryGetValue(queue, out var weight) ? weight : null;

    private static void ReadQueues(JsonElement queues, string source, List<KeyValuePair<string, int?>> into, Dictionary<string, int> weights, Dictionary<string, QueueLimits> limits)
    {
        if (queues.ValueKind != JsonValueKind.Object)
            throw new UsageException($"config file '{source}': queues must be an object of queue name → slots");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var queue in queues.EnumerateObject())
        {
            if (Names.Check(queue.Name, Names.MaxQueueLength, "queue") is { } error) throw new UsageException($"config file '{source}': {error}");
            // As --queues a,a: the last value would otherwise win silently.
            if (!seen.Add(queue.Name)) throw new UsageException($"config file '{source}': queue '{queue.Name}' is named twice");
            int? concurrency;
            if (queue.Value.ValueKind == JsonValueKind.Number) concurrency = Slots(queue.Value, $"queues.{queue.Name}", source);
            else if (queue.Value.ValueKind == JsonValueKind.Object)
            {
                concurrency = null;
                var fields = new HashSet<string>(StringComparer.Ordinal);
                QueueLimits? queueLimits = null;
                foreach (var field in queue.Value.EnumerateObject())
                {
                    var where = $"queues.{queue.Name}.{field.Name}";
                    if (!fields.Add(field.Name)) throw new UsageException($"config file '{source}': {where} is given twice");
                    if (field.Name == "weight")
                    {
                        weights[queue.Name] = field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt32(out var weight) && weight >= 1
                            ? weight
                            : throw new UsageException($"config file '{source}': {where} must be a whole number, 1 or more");
                        continue;
                    }
                    if (field.Name == "concurrency")
                    {
                        concurrency = Slots(field.Value, where, source);
                        continue;
                    }
                    queueLimits = ConfigLimits.Read(queueLimits ?? QueueLimits.None, field, where, source);
                }
                if (queueLimits is not null) limits[queue.Name] = queueLimits;
            }
            else throw new UsageException($"config file '{source}': queues.{queue.Name} must be a number of slots or {{\"concurrency\": N, \"weight\": W}}");
            into.Add(new(queue.Name, concurrency));
        }
    }

    private static TimeSpan ReadPrefetch(JsonElement value, string source)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number == 0) return TimeSpan.Zero;
        if (value.ValueKind == JsonValueKind.String && Parsing.Prefetch.TryParse(value.GetString(), out var horizon)) return horizon;
        var got = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
        throw new UsageException($"config file '{source}': prefetch {Parsing.Prefetch.Rule} (got {got})");
    }

    private static int Slots(JsonElement value, string where, string source) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var slots) && slots >= 1
            ? slots
            : throw new UsageException($"config file '{source}': {where} must be a whole number of worker slots, 1 or more");
}
