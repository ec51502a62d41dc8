using System.Data.Common;
using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Sources;
using Exchange.Core.Staging;
using Microsoft.Extensions.Logging;

namespace Exchange.Core.Extraction;

/// <summary>
/// Extracts a table dataset in keyset chunks over its composite watermark. Each chunk is stored as one batch in the
/// same staging transaction that moves the watermark, so a crash at any moment loses or repeats nothing.
/// </summary>
/// <remarks>
/// Chunk boundaries overlap: once chunk N's last row is read (its end watermark is known), N is finished (gzip,
/// SHA-256) and stored on a background task while the gate is checked and chunk N+1 is read. N+1 is stored only after
/// N's store has committed, from N's end watermark; if N's store fails (after <see cref="ChunkStoreRetry"/>'s retries),
/// N+1 is dropped unstored and the dataset rests before its source is read again. So at most two chunks' payloads are in
/// memory, and the source and the cores do not sit idle while a batch is committed.
/// </remarks>
public sealed partial class ExtractionEngine(
    IBatchStore store,
    ILoadGate gate,
    SourceConnector sources,
    ChunkStoreRetry storeRetry,
    TimeProvider timeProvider,
    ILogger<ExtractionEngine> logger)
{
    private readonly SourceChunkReader _reader = new(sources);
    private readonly BackgroundChunkStore _store = new(store, storeRetry, timeProvider, logger);
    private readonly CommitHorizonBoard _horizons = CommitHorizonBoard.Instance;
    private readonly SchemaDriftCheck _schema = new(store, timeProvider, logger);

    /// <summary>Runs the dataset until it has caught up, the gate closes, or the watermark conflicts.</summary>
    /// <remarks>
    /// At most one source connection is open during a run. Cancellation aborts the chunk in flight and the store in
    /// flight (its transaction rolls back); both are re-read later. A hibernation cancels only the read in flight: a
    /// chunk already read in full is still stored, as the store does not touch the source.
    /// </remarks>
    /// <exception cref="OperationCanceledException">The run was cancelled; batches stored before stay stored.</exception>
    public Task<ExtractionResult> RunAsync(DatasetOptions dataset, CancellationToken cancellationToken) => RunAsync(dataset, null, cancellationToken);

    /// <summary>
    /// Reads a range of a timestamp dataset again (<c>exchange backfill</c>) and stores it as <see cref="BatchOrigin.Backfill"/>
    /// batches after the dataset's others; the dataset's watermark does not move. Runs like <see cref="RunAsync(DatasetOptions, CancellationToken)"/>
    /// (the gate before every chunk, the commit horizon and safety lag as bounds); the result's watermark is where it got to,
    /// to resume from with <see cref="BackfillRange.After"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The dataset uses the xmin watermark, which has no time to select a range by.</exception>
    public Task<ExtractionResult> BackfillAsync(DatasetOptions dataset, BackfillRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(range);
        if (WatermarkModes.IsXmin(dataset.Watermark))
        {
            throw new NotSupportedException(
                $"Dataset '{dataset.Name}' uses the xmin watermark: its rows carry no time a range could select. " +
                "Use 'exchange reset-watermark " + dataset.Name + " --to <transaction id>' to read again what later transactions wrote, or 'exchange replay' to deliver staged batches again.");
        }

        return RunAsync(dataset, range, cancellationToken);
    }

    private async Task<ExtractionResult> RunAsync(DatasetOptions dataset, BackfillRange? backfill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (string.IsNullOrWhiteSpace(dataset.Table) == string.IsNullOrWhiteSpace(dataset.Query))
        {
            throw new ArgumentException($"Dataset '{dataset.Name}' must have either Table or Query.", nameof(dataset));
        }

        var xmin = WatermarkModes.IsXmin(dataset.Watermark);
        if (xmin && string.IsNullOrWhiteSpace(dataset.Table))
        {
            throw new ArgumentException($"Dataset '{dataset.Name}' uses the xmin watermark, which needs Table (not Query).", nameof(dataset));
        }

        if (!string.IsNullOrWhiteSpace(dataset.Query))
        {
            // Refuses a query without its {keyset} placeholder before anything reaches the source.
            _ = KeysetQuery.BuildCustom(SqlDialect.Sqlite, dataset.Query, dataset.TimestampColumn, dataset.KeyColumn, hasLowerBound: true);
        }

        if (dataset.ChunkRows < 1)
        {
            throw new ArgumentException($"ChunkRows of dataset '{dataset.Name}' must be at least 1, was {dataset.ChunkRows}.", nameof(dataset));
        }

        if (storeRetry.Resting(dataset.Name) is { } rest)
        {
            // Reading the source again would only fetch a chunk that the store cannot take yet.
            return new ExtractionResult(dataset.Name, 0, 0, ExtractionStopReason.StoreFailing,
                $"storing failed {rest.Failures} time(s) in a row ({rest.Reason}); the source is read again from {rest.Until:u}", rest.Watermark);
        }

        var source = sources.Describe(dataset.Source);

        // From here to the run's end this node measures the source's load (with several nodes, only the node reading it does).
        await using var attendance = gate.Attend(dataset.Source).ConfigureAwait(false);
        var state = await store.GetDatasetStateAsync(dataset.Name, cancellationToken).ConfigureAwait(false);
        var start = backfill is null ? state.Watermark : backfill.After;
        var run = new RunProgress(dataset.Name, start);
        var origin = backfill is null ? BatchOrigin.Extracted : BatchOrigin.Backfill;

        // Where the next read starts: the end of the last chunk read, which may still be being stored. The run's bounds
        // are read once, on the source's clock, when it is planned: it ends at the data that was safe to read when it started.
        var cursor = CreateCursor(source, dataset, start, backfill);
        LogRunStarting(logger, dataset.Name, source.Name, source.Description, start ?? "(none)");

        // A dataset that reconciles deletions writes the keys of each batch to its key index, in the batch's transaction.
        var indexKey = DeleteModes.IsReconcile(dataset.Deletes) ? KeysetQuery.ResultName(dataset.KeyColumn) : null;
        var chunkRows = dataset.ChunkRows;
        var maxChunkRows = Math.Max(dataset.MaxChunkRows, 1);
        PendingBatch? pending = null;
        DbConnection? connection = null;
        try
        {
            var planned = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (pending is { Store.IsCompleted: true } done)
                {
                    // Already settled (typically failed): no point reading a chunk that could not be stored.
                    pending = null;
                    if (await SettleAsync(done, run).ConfigureAwait(false) is { } conflict)
                    {
                        return conflict;
                    }
                }

                var decision = await gate.CheckAsync(dataset.Source, cancellationToken).ConfigureAwait(false);
                if (!decision.IsOpen)
                {
                    LogGateClosed(logger, dataset.Name, decision.State, decision.Reason);
                    var settling = pending;
                    pending = null;
                    return await SettleAsync(settling, run).ConfigureAwait(false) ?? run.Result(ExtractionStopReason.GateClosed, decision.Reason);
                }

                connection ??= await _reader.OpenAsync(source, cancellationToken).ConfigureAwait(false);
                if (!planned)
                {
                    if (await _schema.CheckAsync(connection, source, dataset, state, cancellationToken).ConfigureAwait(false) is { } changed)
                    {
                        return run.Result(ExtractionStopReason.SchemaChanged, changed);
                    }

                    await PlanAsync(cursor, connection, source, dataset, cancellationToken).ConfigureAwait(false);
                    planned = true;
                    if (backfill is not null && run.Watermark is null && cursor is TimestampChunkCursor { Start: { } from })
                    {
                        run.StartAt(from);
                    }

                    if (cursor.Held is { } held)
                    {
                        LogHeld(logger, dataset.Name, held);
                        return run.Result(ExtractionStopReason.Held, held);
                    }
                }

                var started = timeProvider.GetTimestamp();
                ReadChunk? chunk;
                var hibernation = gate.HibernationToken(dataset.Source);
                using (var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hibernation))
                {
                    try
                    {
                        chunk = await cursor.ReadAsync(connection, chunkRows, read.Token).ConfigureAwait(false);
                    }
                    catch (Exception error) when (hibernation.IsCancellationRequested && !cancellationToken.IsCancellationRequested && error is OperationCanceledException or DbException)
                    {
                        // The gate started hibernating mid-chunk: the chunk is dropped unstored and read again after the
                        // hibernation. The chunk before it was read in full before the hibernation and is stored.
                        LogChunkAbandoned(logger, dataset.Name, chunkRows);
                        var settling = pending;
                        pending = null;
                        return await SettleAsync(settling, run).ConfigureAwait(false)
                            ?? run.Result(ExtractionStopReason.GateClosed, "load gate started hibernating; the chunk in flight was abandoned and will be read again");
                    }
                }

                using (chunk)
                {
                    // This chunk starts at the previous chunk's end: it may only be stored once that one is.
                    var previous = pending;
                    pending = null;
                    if (await SettleAsync(previous, run).ConfigureAwait(false) is { } conflict)
                    {
                        return conflict;
                    }

                    if (chunk is null)
                    {
                        break;
                    }

                    // Chunk time, for the sizing: from the start of this chunk's read (just after its gate check) to the
                    // moment the engine is ready to check the gate again, i.e. the read plus any wait for the previous
                    // chunk's store (which overlapped the read). It is, near enough, the interval between two gate checks:
                    // the time the source is committed to this run without being asked. Its own store overlaps the next
                    // read and is not counted twice; a store slower than the reads slows the pace and so shrinks the chunks.
                    var elapsed = timeProvider.GetElapsedTime(started);
                    pending = _store.Start(chunk, dataset.Name, run.Watermark, started, indexKey, cancellationToken, origin);
                    if (cursor.Finished)
                    {
                        break;
                    }

                    chunkRows = ChunkSizing.Next(chunkRows, pending.Rows, elapsed, dataset.TargetChunkTime, maxChunkRows);
                }
            }

            var last = pending;
            pending = null;
            if (await SettleAsync(last, run).ConfigureAwait(false) is { } lastConflict)
            {
                return lastConflict;
            }
        }
        finally
        {
            // Only when the run is failing or cancelled: let the store in flight finish (or roll back) before returning.
            if (pending is not null)
            {
                await ObserveAfterFailureAsync(pending, dataset.Name, cancellationToken).ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        LogCaughtUp(logger, dataset.Name, run.Chunks, run.Rows, run.Watermark ?? "(none)");
        return run.Result(ExtractionStopReason.CaughtUp, "caught up");
    }

    private IChunkCursor CreateCursor(SourceInfo source, DatasetOptions dataset, string? watermark, BackfillRange? backfill)
    {
        if (WatermarkModes.IsXmin(dataset.Watermark))
        {
            return new XminChunkCursor(source, dataset, watermark is null ? null : XminWatermark.Parse(watermark));
        }

        if (watermark is not null && XminWatermark.IsXminText(watermark))
        {
            throw new FormatException($"Dataset '{dataset.Name}' has an xmin watermark stored ({watermark}) but is configured with \"Watermark\": \"{dataset.Watermark}\"; a dataset cannot change its watermark mode.");
        }

        return new TimestampChunkCursor(
            source, dataset, watermark is null ? null : Watermark.Parse(watermark), timeProvider,
            token => sources.OpenAsync(source.Name, SourceRole.Primary, token), backfill);
    }

    /// <summary>Plans the run; records (and when blocking, logs) the commit horizon it saw, or why it was refused.</summary>
    private async Task PlanAsync(IChunkCursor cursor, DbConnection connection, SourceInfo source, DatasetOptions dataset, CancellationToken cancellationToken)
    {
        var mode = WatermarkModes.IsXmin(dataset.Watermark) ? WatermarkModes.Xmin
            : CommitHorizonModes.IsSafetyLagOnly(dataset.CommitHorizon) || source.Dialect == SqlDialect.Sqlite ? "safety lag only" : "commit horizon";
        var risk = mode != "safety lag only" ? null
            : source.Dialect == SqlDialect.Sqlite ? "SQLite source: no commit horizon, rows of a transaction open longer than the safety lag can be missed"
            : "CommitHorizon is SafetyLagOnly: rows of a transaction open longer than the safety lag can be missed";
        HorizonReading reading;
        try
        {
            reading = await cursor.PlanAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (CommitHorizonUnavailableException refused)
        {
            _horizons.Record(new DatasetHorizon(dataset.Name, mode, risk, null, TimeSpan.Zero, false, refused.Message, timeProvider.GetUtcNow()));
            throw;
        }

        var blocking = reading.Oldest is not null && reading.Age > dataset.MaxHorizonAge;
        if (_horizons.Record(new DatasetHorizon(dataset.Name, mode, risk, reading.Oldest, reading.Age, blocking, null, reading.SourceNow)) && reading.Oldest is { } open)
        {
            LogHorizonBlocking(logger, dataset.Name, open.Session, open.User, open.Application, open.Started, reading.Age, dataset.MaxHorizonAge);
        }

        if (cursor is TimestampChunkCursor { Bound: { } bound })
        {
            LogRunBound(logger, dataset.Name, bound.Name, bound.At);
        }
    }

    /// <summary>Waits for a chunk's store and counts it; a watermark conflict ends the run with this result.</summary>
    /// <remarks>Any other failure of the store (or its cancellation) is thrown here.</remarks>
    private async Task<ExtractionResult?> SettleAsync(PendingBatch? pending, RunProgress run)
    {
        if (pending is null)
        {
            return null;
        }

        try
        {
            await pending.Store.ConfigureAwait(false);
        }
        catch (WatermarkConflictException ex)
        {
            LogWatermarkConflict(logger, run.Dataset, ex.Message);
            return run.Result(ExtractionStopReason.WatermarkConflict, ex.Message);
        }

        run.Stored(pending.Rows, pending.WatermarkTo);
        return null;
    }

    /// <summary>Waits for a store in flight while another error ends the run; that error is the one thrown, this one is logged.</summary>
    private async Task ObserveAfterFailureAsync(PendingBatch pending, string dataset, CancellationToken cancellationToken)
    {
        await ((Task)pending.Store).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (pending.Store.Exception?.GetBaseException() is { } failure && !(failure is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            LogStoreFailedWhileStopping(logger, failure, dataset, failure.Message);
        }
    }

    /// <summary>The batches and rows a run has stored, and the watermark they reached.</summary>
    private sealed class RunProgress(string dataset, string? watermark)
    {
        public string Dataset { get; } = dataset;

        public int Chunks { get; private set; }

        public long Rows { get; private set; }

        /// <summary>The dataset's watermark as this run last stored it.</summary>
        public string? Watermark { get; private set; } = watermark;

        /// <summary>A backfill's first position, once its cursor has typed its start.</summary>
        public void StartAt(string watermark) => Watermark = watermark;

        public void Stored(int rows, string watermarkTo)
        {
            Chunks++;
            Rows += rows;
            Watermark = watermarkTo;
        }

        public ExtractionResult Result(ExtractionStopReason reason, string detail) => new(Dataset, Chunks, Rows, reason, detail, Watermark);
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Extracting {Dataset} from source {Source} ({SourceDescription}) after watermark {Watermark}")]
    private static partial void LogRunStarting(ILogger logger, string dataset, string source, string sourceDescription, string watermark);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Dataset {Dataset} caught up: {Chunks} batches, {Rows} rows this run, watermark {Watermark}")]
    private static partial void LogCaughtUp(ILogger logger, string dataset, int chunks, long rows, string watermark);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Dataset {Dataset} paused: load gate is {State} ({Reason})")]
    private static partial void LogGateClosed(ILogger logger, string dataset, GateState state, string reason);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Dataset {Dataset}: chunk of {Rows} rows abandoned because the load gate started hibernating; it will be read again")]
    private static partial void LogChunkAbandoned(ILogger logger, string dataset, int rows);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Dataset {Dataset} stopped: {Message}")]
    private static partial void LogWatermarkConflict(ILogger logger, string dataset, string message);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Warning, Message = "Dataset {Dataset} held: {Reason}")]
    private static partial void LogHeld(ILogger logger, string dataset, string reason);

    [LoggerMessage(EventId = 1121, Level = LogLevel.Warning, Message = "Dataset {Dataset} is waiting for a transaction open since {Started:u} ({Age} old, more than MaxHorizonAge {MaxAge}): session {Session}, user {User}, application {Application}. Rows after its start are extracted once it ends")]
    private static partial void LogHorizonBlocking(ILogger logger, string dataset, string session, string user, string application, DateTimeOffset started, TimeSpan age, TimeSpan maxAge);

    [LoggerMessage(EventId = 1122, Level = LogLevel.Debug, Message = "Dataset {Dataset}: this run reads rows stamped up to {Upper:O} ({Bound})")]
    private static partial void LogRunBound(ILogger logger, string dataset, string bound, DateTimeOffset upper);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "Dataset {Dataset}: the batch being stored when the run failed was not stored either ({Reason}); it will be read again")]
    private static partial void LogStoreFailedWhileStopping(ILogger logger, Exception error, string dataset, string reason);
}
