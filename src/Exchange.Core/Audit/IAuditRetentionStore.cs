namespace Exchange.Core.Audit;

/// <summary>
/// Removing audit records past their retention (<c>Exchange:Audit:Retention</c>, at least 184 days). The housekeeping job
/// computes the cutoff as now minus the retention and calls this; nothing else deletes audit records.
/// </summary>
public interface IAuditRetentionStore
{
    /// <summary>Deletes audit records written before <paramref name="cutoff"/>; returns how many were deleted.</summary>
    Task<int> DeleteAuditOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
