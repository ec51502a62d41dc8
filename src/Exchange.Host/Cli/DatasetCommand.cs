using Exchange.Core.Configuration;
using Exchange.Core.Staging;
using Exchange.Host.Configuration;

namespace Exchange.Host.Cli;

/// <summary>What <c>backfill</c> and <c>reset-watermark</c> share: the dataset by name, and its lease for the command's duration.</summary>
internal static class DatasetCommand
{
    /// <summary>The dataset of schedule.json named <paramref name="name"/>, or null after saying which names are accepted.</summary>
    public static async Task<DatasetOptions?> FindAsync(LoadedConfiguration loaded, string name, TextWriter error)
    {
        var dataset = loaded.Schedule.Datasets.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
        if (dataset is null)
        {
            var names = loaded.Schedule.Datasets.Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
            await error.WriteLineAsync(
                $"DATASET must name a dataset of schedule.json ({(names.Count == 0 ? "none is configured" : string.Join(", ", names))}), was '{name}'. Nothing was changed.").ConfigureAwait(false);
        }

        return dataset;
    }

    /// <summary>The source's offset, for times given without one.</summary>
    public static TimeSpan SourceOffset(LoadedConfiguration loaded, DatasetOptions dataset) =>
        loaded.Options.Sources.TryGetValue(dataset.Source, out var source) ? source.TimeZoneOffset : TimeSpan.Zero;

    /// <summary>The dataset's lease, or null after saying that another process or node holds it.</summary>
    public static async Task<IAsyncDisposable?> TakeLeaseAsync(StagingDatabase database, string verb, string dataset, TextWriter error, CancellationToken cancellationToken)
    {
        var lease = await new DatasetLeases(database).TryTakeAsync(dataset, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            await error.WriteLineAsync(
                $"Dataset '{dataset}' is held by another process or node (an extraction run, a backfill or a reset-watermark of it is in progress); " +
                $"'{verb}' waits for nobody: try again when it has finished. Nothing was changed.").ConfigureAwait(false);
        }

        return lease;
    }
}
