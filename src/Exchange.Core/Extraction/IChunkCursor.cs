using System.Data.Common;

namespace Exchange.Core.Extraction;

/// <summary>
/// Where a run reads next, in one watermark mode: planned once per run on the run's connection, then asked for one chunk
/// after another until it is finished. Its position moves with each chunk it returns.
/// </summary>
internal interface IChunkCursor
{
    /// <summary>Plans the run (the source's clock, its commit horizon, the column types); returns the horizon it read.</summary>
    /// <exception cref="CommitHorizonUnavailableException">The horizon is required and cannot be read.</exception>
    Task<HorizonReading> PlanAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>The next chunk of at most <paramref name="limit"/> rows; null when there is nothing more to read this run.</summary>
    Task<ReadChunk?> ReadAsync(DbConnection connection, int limit, CancellationToken cancellationToken);

    /// <summary>True once the last chunk returned ended this run's reading.</summary>
    bool Finished { get; }

    /// <summary>Why the dataset is not read this run (known once planned: a standby too far behind), or null.</summary>
    string? Held { get; }
}
