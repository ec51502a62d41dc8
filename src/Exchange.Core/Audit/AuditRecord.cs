using Exchange.Core.Staging;

namespace Exchange.Core.Audit;

/// <summary>
/// The audit record of a state-changing call, handed to the store so that it is written in the same transaction as the
/// call's effect: no effect exists without its record. <see cref="Stored"/> tells the caller afterwards whether the store
/// wrote it (only a call that changed something is recorded this way; a refusal or a repeat is audited by the caller).
/// </summary>
public sealed class AuditRecord(AuditEntry entry)
{
    private volatile bool _stored;

    /// <summary>The record, its outcome <c>ok</c>.</summary>
    public AuditEntry Entry { get; } = entry ?? throw new ArgumentNullException(nameof(entry));

    /// <summary>True once the store committed the record with the effect.</summary>
    public bool Stored => _stored;

    /// <summary>Called by the store after the transaction holding the record committed.</summary>
    public void MarkStored() => _stored = true;
}
