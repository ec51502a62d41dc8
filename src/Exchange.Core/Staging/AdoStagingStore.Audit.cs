using Dapper;
using Exchange.Core.Audit;

namespace Exchange.Core.Staging;

/// <summary>Audit retention on the staging store.</summary>
public abstract partial class AdoStagingStore : IAuditRetentionStore
{
    /// <inheritdoc />
    public async Task<int> DeleteAuditOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // ix_audit_log_at makes this a range delete; timestamps compare correctly in both dialects' stored forms.
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM audit_log WHERE at < @cutoff", new { cutoff = ToDb(cutoff) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }
}
