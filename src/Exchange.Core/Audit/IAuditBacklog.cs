namespace Exchange.Core.Audit;

/// <summary>How many audit records wait to be written, and how many may wait before calls are refused.</summary>
public interface IAuditBacklog
{
    /// <summary>Records waiting for the store now.</summary>
    int Waiting { get; }

    /// <summary>Records that may wait before a call is refused for want of room.</summary>
    int Capacity { get; }
}
