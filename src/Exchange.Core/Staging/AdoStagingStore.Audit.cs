using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>Audit group commit on the staging store.</summary>
public abstract partial class AdoStagingStore : IAuditStore
{
    private const string InsertAuditSql =
        "INSERT INTO audit_log (at, principal, operation, object_id, outcome, remote_address) VALUES (@at, @principal, @operation, @objectId, @outcome, @remoteAddress)";

    /// <inheritdoc />
    public async Task WriteAuditBatchAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(session.Connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var command = session.Command(InsertAuditSql, "@at", "@principal", "@operation", "@objectId", "@outcome", "@remoteAddress");
                command.Transaction = transaction;
                var p = command.Parameters;
                foreach (var entry in entries)
                {
                    p[0].Value = ToDb(entry.At);
                    p[1].Value = entry.Principal;
                    p[2].Value = entry.Operation;
                    p[3].Value = (object?)entry.ObjectId ?? DBNull.Value;
                    p[4].Value = entry.Outcome;
                    p[5].Value = (object?)entry.RemoteAddress ?? DBNull.Value;
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // One commit (one fsync) for the whole group: that is the point of writing them together.
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
