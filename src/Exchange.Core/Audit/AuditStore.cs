using System.Data.Common;
using Exchange.Core.Staging;

namespace Exchange.Core.Audit;

/// <summary>The audit group commit on the staging database.</summary>
public sealed class AuditStore(StagingDatabase database) : IAuditStore
{
    /// <inheritdoc />
    public Task SetAuditCallsAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken) =>
        WriteGroupAsync(
            entries,
            async (session, transaction) =>
            {
                foreach (var entry in entries)
                {
                    await SetCallsAsync(session, transaction, entry, cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken);

    /// <inheritdoc />
    /// <remarks>One commit (one fsync) for the whole group: that is the point of writing them together.</remarks>
    public Task WriteAuditBatchAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken) =>
        WriteGroupAsync(entries, (session, transaction) => AuditRows.InsertAllAsync(session, transaction, entries, database, cancellationToken), cancellationToken);

    private Task WriteGroupAsync(IReadOnlyList<AuditEntry> entries, Func<StagingSession, DbTransaction, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        return database.WriteAsync(
            async (session, transaction) =>
            {
                await write(session, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return entries.Count;
            },
            cancellationToken);
    }

    private async Task SetCallsAsync(StagingSession session, DbTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
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
}
