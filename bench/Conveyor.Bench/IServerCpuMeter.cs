namespace Conveyor.Bench;

/// <summary>
/// Reads how much CPU time the store's server processes have used so far, for a store whose server runs on this
/// machine (a local PostgreSQL). The bench reads it at both ends of a measure to say what each job cost the server.
/// </summary>
public interface IServerCpuMeter
{
    /// <summary>The server's CPU time (user and system, all of its processes) since it started.</summary>
    TimeSpan Read();
}
