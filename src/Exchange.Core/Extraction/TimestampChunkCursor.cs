using System.Data.Common;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>
/// The timestamp watermark: keyset chunks over (timestamp, key) up to the earliest of the run's bounds, the source's now
/// minus the safety lag, unless the dataset opted out the start of the oldest transaction open at the source and, for a
/// source read on a standby, what the standby has replayed minus the safety lag.
/// </summary>
/// <remarks>
/// On a source read from a standby the commit horizon is read on the primary (<paramref name="openPrimary"/>): the
/// transactions that will commit late are open there, and a standby's own session list does not show them. A backfill
/// (<paramref name="backfill"/>) starts after its <c>From</c> (unless resumed from <paramref name="after"/>) and adds its
/// <c>To</c> as one more bound.
/// </remarks>
internal sealed class TimestampChunkCursor(
    SourceInfo source, DatasetOptions dataset, Watermark? after, TimeProvider timeProvider, Func<CancellationToken, Task<DbConnection>> openPrimary,
    BackfillRange? backfill = null) : IChunkCursor
{
    private Watermark? _after = after;
    private RunPlan? _plan;

    /// <summary>The bound the run reads up to (known once planned).</summary>
    public RunBound? Bound { get; private set; }

    public bool Finished { get; private set; }

    /// <summary>Where the run starts reading, as watermark text (known once planned; null for a dataset's first run).</summary>
    public string? Start => _after?.ToText();

    public string? Held { get; private set; }

    public async Task<HorizonReading> PlanAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var required = !CommitHorizonModes.IsSafetyLagOnly(dataset.CommitHorizon);
        HorizonReading reading;
        if (source.Dialect == SqlDialect.Sqlite)
        {
            // An embedded file on this machine: its clock is the daemon's, and it has no view of open transactions.
            reading = new HorizonReading(timeProvider.GetUtcNow(), false, null);
        }
        else
        {
            reading = source.HasStandby
                ? await ReadOnPrimaryAsync(cancellationToken).ConfigureAwait(false)
                : await CommitHorizon.ReadAsync(connection, source.Dialect, cancellationToken).ConfigureAwait(false);
            if (!reading.Readable && required)
            {
                throw new CommitHorizonUnavailableException(
                    $"Dataset '{dataset.Name}': the commit horizon of source '{source.Name}' ({source.Description}) cannot be read, so rows of transactions still open " +
                    $"could be skipped. Grant it with: {CommitHorizon.GrantNeeded(source.Dialect, "<the source user>")} " +
                    $"Or accept that risk for this dataset with \"CommitHorizon\": \"{CommitHorizonModes.SafetyLagOnly}\" in schedule.json.");
            }

            if (reading.SourceNow == DateTimeOffset.MinValue)
            {
                // The horizon query failed as a whole (Oracle, SQL Server): the source's clock is read on its own.
                reading = reading with { SourceNow = await CommitHorizon.ReadNowAsync(connection, source.Dialect, cancellationToken).ConfigureAwait(false) };
            }
        }

        List<RunBound> bounds = [RunBounds.SafetyLag(reading.SourceNow, dataset.SafetyLag)];
        if (required && reading.Oldest is { } oldest)
        {
            bounds.Add(RunBounds.CommitHorizon(oldest.Started));
        }

        var (standby, held) = await RunBounds.ReadStandbyAsync(connection, source, dataset.SafetyLag, cancellationToken).ConfigureAwait(false);
        if (standby is not null)
        {
            bounds.Add(standby);
        }

        if (backfill is not null)
        {
            bounds.Add(new RunBound(RunBounds.BackfillName, backfill.To));
        }

        Held = held;
        Bound = RunBounds.Earliest(bounds);
        _plan = await SourceChunkReader.PlanAsync(connection, source, dataset, Bound.At, cancellationToken).ConfigureAwait(false);
        if (backfill is not null && _after is null)
        {
            _after = Watermark.After(SourceTimestamps.UpperBound(_plan.Kind, backfill.From, TimeSpan.Zero, source.TimeZoneOffset));
        }

        return reading;
    }

    private async Task<HorizonReading> ReadOnPrimaryAsync(CancellationToken cancellationToken)
    {
        var primary = await openPrimary(cancellationToken).ConfigureAwait(false);
        await using (primary.ConfigureAwait(false))
        {
            var reading = await CommitHorizon.ReadAsync(primary, source.Dialect, cancellationToken).ConfigureAwait(false);
            return reading.SourceNow == DateTimeOffset.MinValue
                ? reading with { SourceNow = await CommitHorizon.ReadNowAsync(primary, source.Dialect, cancellationToken).ConfigureAwait(false) }
                : reading;
        }
    }

    public async Task<ReadChunk?> ReadAsync(DbConnection connection, int limit, CancellationToken cancellationToken)
    {
        var plan = _plan ?? throw new InvalidOperationException("Plan the run before reading.");
        var chunk = await SourceChunkReader.ReadChunkAsync(connection, source, dataset, plan, _after, limit, cancellationToken).ConfigureAwait(false);
        Finished = chunk is null || chunk.Rows < limit;
        if (chunk is not null)
        {
            _after = Watermark.Parse(chunk.WatermarkTo);
        }

        return chunk;
    }
}
