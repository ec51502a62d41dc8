using Dapper;
using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>Audit group commit on the staging store.</summary>
public abstract partial class AdoStagingStore : IAuditStore
{
    /// <summary>The one audit insert; parameters in this order: at, principal, operation, objectId, outcome, remoteAddress, calls.</summary>
    internal const string InsertAuditSql =
        "INSERT INTO audit_log (at, principal, operation, object_id, outcome, remote_address, calls) VALUES (@at, @principal, @operation, @objectId, @outcome, @remoteAddress, @calls)";

    private static readonly string[] AuditParameters = ["@at", "@principal", "@operation", "@objectId", "@outcome", "@remoteAddress", "@calls"];

    /// <inheritdoc />
    public async Task SetAuditCallsAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var entry in entries)
                {
                    var updated = await connection.ExecuteAsync(new CommandDefinition(
                        "UPDATE audit_log SET calls = @calls WHERE at = @at AND principal = @principal AND outcome = @outcome AND remote_address = @remoteAddress",
                        new { calls = entry.Calls, at = ToDb(entry.At), principal = entry.Principal, outcome = entry.Outcome, remoteAddress = entry.RemoteAddress },
                        transaction,
                        cancellationToken: cancellationToken)).ConfigureAwait(false);
                    if (updated == 0)
                    {
                        await InsertAuditAsync(connection, transaction, entry, cancellationToken).ConfigureAwait(false);
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

        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(session.Connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var command = session.Command(InsertAuditSql, AuditParameters);
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
                    p[6].Value = entry.Calls;
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // One commit (one fsync) for the whole group: that is the point of writing them together.
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
