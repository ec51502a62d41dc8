using Exchange.Core.Staging;

namespace Exchange.Core.Audit;

/// <summary>The audit group commit on the staging database.</summary>
public sealed class AuditStore(StagingDatabase database) : IAuditStore
{
    /// <inheritdoc />
    public async Task SetAuditCallsAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var session = await database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var transaction = await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var entry in entries)
                {
                    var updated = await session.ExecuteAsync(
                        "UPDATE audit_log SET calls = @calls WHERE at = @at AND principal = @principal AND outcome = @outcome AND remote_address = @remoteAddress",
                        transaction,
                        cancellationToken,
                        ("calls", entry.Calls),
                        ("at", database.ToDb(entry.At)),
                        ("principal", entry.Principal),
                        ("outcome", entry.Outcome),
                        ("remoteAddress", entry.RemoteAddress)).ConfigureAwait(false);
                    if (updated == 0)
                    {
                        await AuditRows.InsertAsync(session, transaction, entry, database, cancellationToken).ConfigureAwait(false);
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task WriteAuditBatchAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var session = await database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var transaction = await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var entry in entries)
                {
                    await AuditRows.InsertAsync(session, transaction, entry, database, cancellationToken).ConfigureAwait(false);
                }

                // One commit (one fsync) for the whole group: that is the point of writing them together.
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
