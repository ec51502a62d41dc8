using Dapper;
using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>Audit group commit on the staging store.</summary>
public abstract partial class AdoStagingStore : IAuditStore
{
    /// <inheritdoc />
    public async Task WriteAuditBatchAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
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
                // One commit (one fsync) for the whole group: that is the point of writing them together.
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO audit_log (at, principal, operation, object_id, outcome, remote_address) VALUES (@At, @Principal, @Operation, @ObjectId, @Outcome, @RemoteAddress)",
                    entries.Select(e => new { At = ToDb(e.At), e.Principal, e.Operation, e.ObjectId, e.Outcome, e.RemoteAddress }),
                    transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
