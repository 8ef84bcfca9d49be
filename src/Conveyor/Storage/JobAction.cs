namespace Conveyor.Storage;

/// <summary>An action a person (or program) takes on one job through <see cref="IJobAdminStore"/>.</summary>
public enum JobAction
{
    /// <summary><see cref="IJobAdminStore.CancelJobAsync"/>.</summary>
    Cancel,
    /// <summary><see cref="IJobAdminStore.RetryJobAsync"/>.</summary>
    Retry,
    /// <summary><see cref="IJobAdminStore.DeleteJobAsync"/>.</summary>
    Delete,
}
