using System.Data.Common;
using System.Globalization;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>
/// The <c>xmin</c> watermark (PostgreSQL 13+): a run takes the rows written by transactions between the previous run's
/// snapshot horizon and this run's (<c>pg_snapshot_xmin(pg_current_snapshot())</c>), in key order. No timestamp the
/// application writes, and no clock, decides what is read.
/// </summary>
/// <remarks>
/// A run first finishes a pass an earlier run left unfinished (the keys after its last stored key, in that pass's window),
/// then makes a new pass over all keys from the horizon stored to the horizon now. Every transaction before a horizon has
/// ended, so its rows are all visible; a row with a given id matches exactly one window, so it is read once. A pass whose
/// last chunk was full ends without a batch to record it; the next run then finds the rest of that pass empty, which stays
/// true (a transaction that has ended writes no more rows), and goes on.
/// </remarks>
internal sealed class XminChunkCursor(SourceInfo source, DatasetOptions dataset, XminWatermark? stored) : IChunkCursor
{
    private long _horizon;
    private bool[]? _textFormat;
    private Pass? _pass;

    public string? Held => null;

    public bool Finished => _pass is null;

    public async Task<HorizonReading> PlanAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (source.Dialect != SqlDialect.Postgres)
        {
            throw new NotSupportedException(
                $"Dataset '{dataset.Name}' uses \"Watermark\": \"{WatermarkModes.Xmin}\", which needs a PostgreSQL source; source '{source.Name}' is {source.Provider}. Use \"{WatermarkModes.Timestamp}\".");
        }

        if (XminQuery.ServerMajor(connection.ServerVersion) < XminQuery.MinimumServerMajor)
        {
            throw new NotSupportedException(
                $"Dataset '{dataset.Name}' uses \"Watermark\": \"{WatermarkModes.Xmin}\", which needs PostgreSQL {XminQuery.MinimumServerMajor} or later (pg_current_snapshot, xid8); " +
                $"source '{source.Name}' runs {connection.ServerVersion}. Use \"{WatermarkModes.Timestamp}\" with the commit horizon instead.");
        }

        // Only to report a transaction that holds the dataset back: what this mode reads does not depend on it.
        var reading = await CommitHorizon.ReadAsync(connection, source.Dialect, cancellationToken, writersOnly: true).ConfigureAwait(false);

        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = XminQuery.SnapshotSql;
            _horizon = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        if (stored is { } position && _horizon < position.To)
        {
            throw new InvalidOperationException(
                $"Dataset '{dataset.Name}': source '{source.Name}' is at transaction {_horizon}, before the dataset's watermark ({position.To}). " +
                "The source was restored or replaced; its rows cannot be matched to what is staged.");
        }

        _pass = stored is { Complete: false } unfinished ? new Pass(unfinished.From, unfinished.To, unfinished.Key) : NextPass(stored?.To);
        CheckWindow(_pass);
        CheckWindow(NextPass(stored?.To));
        (_, _textFormat, _) = await SourceChunkReader.ProbeColumnsAsync(
            connection, XminQuery.ColumnsProbe(dataset.Table!, dataset.Columns, dataset.KeyColumn), null, dataset.KeyColumn, cancellationToken).ConfigureAwait(false);
        return reading;
    }

    public async Task<ReadChunk?> ReadAsync(DbConnection connection, int limit, CancellationToken cancellationToken)
    {
        while (_pass is { } pass)
        {
            XminWatermark? end = null;
            var chunk = await ReadPassAsync(connection, pass, limit, (reader, writer) =>
            {
                end = writer.RowCount < limit
                    ? XminWatermark.CompleteAt(pass.To)
                    : new XminWatermark(pass.From, pass.To, writer.LastValue(reader.GetOrdinal(KeysetQuery.ResultName(dataset.KeyColumn))), false);
                return end.ToText();
            }, cancellationToken).ConfigureAwait(false);
            if (end is { Complete: false })
            {
                _pass = pass with { AfterKey = end.Key };
                return chunk;
            }

            // This pass is done: the next one (if the horizon moved past it) starts with the next read.
            _pass = NextPass(pass.To);
            if (chunk is not null)
            {
                return chunk;
            }
        }

        return null;
    }

    private Pass? NextPass(long? from) => from == _horizon ? null : new Pass(from, _horizon, null);

    private async Task<ReadChunk?> ReadPassAsync(
        DbConnection connection, Pass pass, int limit, Func<DbDataReader, JsonLinesPayloadWriter, string> endWatermark, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = XminQuery.Build(dataset.Table!, dataset.Columns, dataset.KeyColumn, pass.AfterKey is not null, firstPass: pass.From is null);
        if (pass.AfterKey is not null)
        {
            command.AddParameter(SqlDialect.Postgres, XminQuery.KeyParameter, pass.AfterKey);
        }

        command.AddParameter(SqlDialect.Postgres, XminQuery.FromParameter, XminQuery.Low32(pass.From ?? pass.To));
        command.AddParameter(SqlDialect.Postgres, XminQuery.SpanParameter, pass.From is { } from ? pass.To - from : pass.To);
        command.AddParameter(SqlDialect.Postgres, XminQuery.LimitParameter, limit);
        return await SourceChunkReader.ReadRowsAsync(command, source, _textFormat, endWatermark, cancellationToken).ConfigureAwait(false);
    }

    private void CheckWindow(Pass? pass)
    {
        if (pass is { From: { } from } && pass.To - from >= XminQuery.MaxWindow)
        {
            throw new InvalidOperationException(
                $"Dataset '{dataset.Name}' last ran {pass.To - from} transactions ago (watermark at {from}, source at {pass.To}); beyond {XminQuery.MaxWindow} a row's 32-bit xmin " +
                "no longer tells whether it was staged. Extract the table again under a new dataset name.");
        }
    }

    /// <summary>A pass over the keys after <see cref="AfterKey"/> (all when null), for rows of transactions in [From, To) (all before To when From is null).</summary>
    private sealed record Pass(long? From, long To, object? AfterKey);
}
