using Exchange.Core.Staging;

namespace Exchange.Core.Audit;

/// <summary>
/// Several audit records in one transaction: the SOAP endpoint's group commit, so concurrent calls share one durable
/// commit. (Removal of old records is the retention purge's, <c>Exchange:Retention:Audit</c>.)
/// </summary>
public interface IAuditStore
{
    /// <summary>Appends <paramref name="entries"/> in one transaction: all are stored, or none.</summary>
    Task WriteAuditBatchAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the call count of aggregated records (found by time, principal, outcome and remote address), in one transaction;
    /// a record that is missing (its first write failed) is written.
    /// </summary>
    Task SetAuditCallsAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);
}
