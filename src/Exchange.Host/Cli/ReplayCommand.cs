using Exchange.Core.Configuration;
using Exchange.Core.Operations;

namespace Exchange.Host.Cli;

/// <summary><c>exchange replay --insurer X --dataset D --from-seq N</c>: deliver batches again from N on (audited as <c>Replay</c> by <c>operator:&lt;user&gt;</c>).</summary>
internal static class ReplayCommand
{
    public static async Task<int> RunAsync(
        ExchangeOptions options, IOperationsStore store, string insurer, string dataset, long fromSeq, string userName,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var insurers = RetentionPolicyFactory.InsurerDatasets(options);
        if (!insurers.TryGetValue(insurer, out var datasets))
        {
            await error.WriteLineAsync($"--insurer must name a configured insurer ({string.Join(", ", insurers.Keys.Order(StringComparer.Ordinal))}), was '{insurer}'.").ConfigureAwait(false);
            return 1;
        }

        if (!datasets.Contains(dataset, StringComparer.Ordinal))
        {
            await error.WriteLineAsync($"--dataset must name a dataset insurer '{insurer}' may see ({string.Join(", ", datasets)}), was '{dataset}'.").ConfigureAwait(false);
            return 1;
        }

        try
        {
            var result = await store.ReplayAsync(insurer, dataset, fromSeq, "operator:" + userName, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(
                $"Insurer '{insurer}', dataset '{dataset}': acknowledged {result.PreviousAckedSeq} -> {result.AckedSeq}; " +
                $"batches {fromSeq} to {result.LastSeq} are delivered again at the next Poll. Recorded in the audit log.").ConfigureAwait(false);
            return 0;
        }
        catch (ReplayRefusedException refused)
        {
            await error.WriteLineAsync(refused.Message + " Nothing was changed.").ConfigureAwait(false);
            return 1;
        }
    }
}
