using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// What a node learns of the cluster from the registry at each heartbeat: which affinity buckets it owns in each of its
/// queues, and whether someone asked it to stop. The heartbeat writes it; the claim loops read it.
/// </summary>
internal sealed class ClusterView(string nodeName, IReadOnlyCollection<string> queues, ILogger logger, Action stopRequested)
{
    private volatile IReadOnlyDictionary<string, AffinityBuckets> _owned = new Dictionary<string, AffinityBuckets>();
    private int _stopSeen;

    /// <summary>
    /// The buckets this node owns in <paramref name="queue"/>, or null when it owns them all (it is the only live node
    /// serving the queue, or no list was read yet).
    /// </summary>
    public AffinityBuckets? OwnedIn(string queue) => _owned.GetValueOrDefault(queue);

    /// <summary>Takes in the live nodes as the registry lists them now.</summary>
    public void Update(IReadOnlyList<NodeInfo> live)
    {
        var self = live.FirstOrDefault(n => n.Name == nodeName);
        if (self is { StopRequested: true } && Interlocked.Exchange(ref _stopSeen, 1) == 0)
        {
            logger.LogInformation("Node {Node} was asked to stop (conveyor nodes stop): draining", nodeName);
            stopRequested();
        }
        var owned = new Dictionary<string, AffinityBuckets>(StringComparer.Ordinal);
        foreach (var queue in queues)
        {
            // A node asked to stop no longer claims: its keys go to the others at once.
            var serving = live.Where(n => !n.StopRequested && n.Name != nodeName && n.Queues.ContainsKey(queue)).Select(n => n.Name).ToList();
            if (serving.Count == 0) continue;
            serving.Add(nodeName);
            owned[queue] = Rendezvous.Owned(nodeName, serving);
        }
        _owned = owned;
    }
}
