using Exchange.Core.Staging;

namespace Exchange.Core.Audit;

/// <summary>
/// The audit table beyond single records: several records in one transaction (the SOAP endpoint's group commit), and removal
/// of records past their retention (<c>Exchange:Audit:Retention</c>, at least 184 days; the housekeeping job computes the cutoff
/// as now minus the retention and calls <see cref="DeleteAuditOlderThanAsync"/>; nothing else deletes audit records).
/// </summary>
public interface IAuditStore
{
    /// <summary>Appends <paramref name="entries"/> in one transaction: all are stored, or none.</summary>
    Task WriteAuditBatchAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>Deletes audit records written before <paramref name="cutoff"/>; returns how many were deleted.</summary>
    Task<int> DeleteAuditOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
