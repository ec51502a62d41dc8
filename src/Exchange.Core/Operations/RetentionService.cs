using Exchange.Core.Configuration;
using Exchange.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Operations;

/// <summary>Applies the retention policy of <c>Exchange:Retention</c> and logs what it removed (the scheduled purge and <c>exchange purge</c>).</summary>
public sealed partial class RetentionService(
    IOperationsStore store,
    IOptions<ExchangeOptions> options,
    TimeProvider timeProvider,
    ILogger<RetentionService> logger)
{
    /// <summary>Purges now and returns what was removed.</summary>
    public async Task<PurgeResult> PurgeAsync(CancellationToken cancellationToken)
    {
        var policy = RetentionPolicyFactory.At(timeProvider.GetUtcNow(), options.Value);
        var result = await store.PurgeAsync(policy, cancellationToken).ConfigureAwait(false);
        ExchangeMetrics.Instance.Purged(result);
        LogPurged(logger, result.ToString(), policy.BatchesBefore, policy.RequestsBefore, policy.AuditBefore);
        return result;
    }

    [LoggerMessage(1501, LogLevel.Information, "Retention purge: {Removed} (cut-offs: batches before {BatchesBefore:O}, requests before {RequestsBefore:O}, audit before {AuditBefore:O})")]
    private static partial void LogPurged(ILogger logger, string removed, DateTimeOffset batchesBefore, DateTimeOffset requestsBefore, DateTimeOffset auditBefore);
}
