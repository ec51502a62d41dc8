using Exchange.Core.Extraction;
using Exchange.Core.Operations;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.Host.Configuration;

namespace Exchange.Host.Cli;

/// <summary>
/// <c>exchange reset-watermark DATASET --to T</c>: moves a dataset's watermark back, so its next run extracts again what
/// came after <c>T</c> (a time; for an <c>xmin</c> dataset a transaction id). Asks for confirmation unless <c>--yes</c>;
/// without a terminal and without <c>--yes</c> it refuses. Audited as <c>ResetWatermark</c> by <c>operator:&lt;user&gt;</c>.
/// </summary>
internal static class ResetWatermarkCommand
{
    public static async Task<int> RunAsync(
        LoadedConfiguration loaded, StagingDatabase database, string name, string to, bool yes, CommandConsole console, CancellationToken cancellationToken)
    {
        if (await DatasetCommand.FindAsync(loaded, name, console.Error).ConfigureAwait(false) is not { } dataset)
        {
            return 1;
        }

        var offset = DatasetCommand.SourceOffset(loaded, dataset);
        if (!yes && !console.Interactive)
        {
            await console.Error.WriteLineAsync(
                $"reset-watermark moves dataset '{name}' back, so rows already sent are extracted and delivered again: it asks for confirmation, " +
                "and there is no terminal to ask on. Add --yes to confirm in a script. Nothing was changed.").ConfigureAwait(false);
            return 1;
        }

        var store = new OperationsStore(database, TimeProvider.System);
        string Move(string? current) => WatermarkResets.MoveBack(dataset, current, to, offset);
        try
        {
            // Asked before the lease is taken, so a prompt left open holds up no extraction run; the reset itself
            // recomputes the watermark from the stored one under FOR UPDATE.
            if (!yes)
            {
                var current = (await new BatchStore(database, TimeProvider.System).GetDatasetStateAsync(name, cancellationToken).ConfigureAwait(false)).Watermark;
                var preview = Move(current);
                await console.Output.WriteLineAsync(IdentityNumber.MaskWithin(
                    $"Dataset '{name}': watermark {current} -> {preview}. What came after --to {to} is extracted again and delivered to insurers once more.")).ConfigureAwait(false);
                await console.Output.WriteAsync("Move the watermark back? Type 'yes' to confirm: ").ConfigureAwait(false);
                var answer = await console.Input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (!string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase))
                {
                    await console.Error.WriteLineAsync($"Not confirmed (answer was '{answer?.Trim()}', 'yes' confirms). Nothing was changed.").ConfigureAwait(false);
                    return 1;
                }
            }

            var lease = await DatasetCommand.TakeLeaseAsync(database, "reset-watermark", name, console.Error, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                return 1;
            }

            await using (lease.ConfigureAwait(false))
            {
                var (before, after, keysForgotten) = await store.ResetWatermarkAsync(name, Move, "operator:" + Environment.UserName, cancellationToken).ConfigureAwait(false);
                await console.Output.WriteLineAsync(IdentityNumber.MaskWithin(
                    $"Dataset '{name}': watermark moved back from {before} to {after}; its next run extracts from there. Recorded in the audit log.")).ConfigureAwait(false);
                if (keysForgotten)
                {
                    await console.Output.WriteLineAsync(
                        $"Dataset '{name}' was stopped because its key column changed, so its keys are written differently from now on: its key index " +
                        $"(the keys deletions are reconciled against) was forgotten. A row deleted at the source that is not extracted again after --to {to} " +
                        "is not found deleted until it is staged again (a backfill of its time range stages it).").ConfigureAwait(false);
                }

                return 0;
            }
        }
        catch (WatermarkResetRefusedException refused)
        {
            await console.Error.WriteLineAsync(IdentityNumber.MaskWithin(refused.Message + " Nothing was changed.")).ConfigureAwait(false);
            return 1;
        }
        catch (FormatException unreadable)
        {
            // The stored watermark is not one this build reads (the message quotes it, key included: masked).
            await console.Error.WriteLineAsync(IdentityNumber.MaskWithin(
                $"The stored watermark of dataset '{name}' cannot be read as a \"Watermark\": \"{dataset.Watermark}\" dataset's watermark ({unreadable.Message}). " +
                "Check that schedule.json names the mode the dataset was extracted with. Nothing was changed.")).ConfigureAwait(false);
            return 1;
        }
    }
}

/// <summary>The terminal a command talks to: its streams, and whether a person can answer a question on it.</summary>
internal sealed record CommandConsole(TextReader Input, TextWriter Output, TextWriter Error, bool Interactive)
{
    /// <summary>The process's console; interactive when standard input is a terminal.</summary>
    public static CommandConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected);
}
