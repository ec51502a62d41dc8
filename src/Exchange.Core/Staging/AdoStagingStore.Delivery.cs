using System.Data.Common;

namespace Exchange.Core.Staging;

/// <summary>
/// The reads of batches, cursors and dataset state, run on a <see cref="StoreSession"/> with commands prepared once per
/// connection: Poll and FetchBatch run them more often than any other statement.
/// </summary>
public abstract partial class AdoStagingStore
{
    private const string DatasetStateSql = "SELECT watermark, last_seq FROM watermarks WHERE dataset = @dataset";
    internal const string HeadersAfterSql = $"SELECT {HeaderColumns} FROM batches WHERE dataset = @dataset AND seq > @afterSeq ORDER BY seq ";
    private const string CursorSql = "SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset";
    private const string BatchSql = $"SELECT {HeaderColumns}, payload FROM batches WHERE batch_id = @batchId";

    // The cursor is read in the same statement, so the headers and the cursor they follow are one snapshot.
    internal const string UnacknowledgedSql = $"""
        SELECT {HeaderColumns} FROM batches
        WHERE dataset = @dataset AND seq > COALESCE((SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset), 0)
        ORDER BY seq
        """;

    /// <inheritdoc />
    public async Task<DatasetState> GetDatasetStateAsync(string dataset, CancellationToken cancellationToken)
    {
        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var command = session.Command(DatasetStateSql, "@dataset");
            command.Parameters[0].Value = dataset;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new DatasetState(dataset, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1))
                    : new DatasetState(dataset, null, 0);
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BatchHeader>> GetBatchHeadersAfterAsync(string dataset, long afterSeq, int max, CancellationToken cancellationToken) =>
        QueryHeadersAsync(HeadersAfterSql, "@afterSeq", afterSeq, dataset, max, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BatchHeader>> GetUnacknowledgedHeadersAsync(string insurer, string dataset, int max, CancellationToken cancellationToken) =>
        QueryHeadersAsync(UnacknowledgedSql, "@insurer", insurer, dataset, max, cancellationToken);

    /// <inheritdoc />
    public async Task<StoredBatch?> GetBatchAsync(long batchId, CancellationToken cancellationToken)
    {
        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var command = session.Command(BatchSql, "@batchId");
            command.Parameters[0].Value = batchId;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new StoredBatch(ReadHeader(reader), (byte[])reader.GetValue(8));
            }
        }
    }

    /// <inheritdoc />
    public async Task<long> GetCursorAsync(string insurer, string dataset, CancellationToken cancellationToken)
    {
        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var command = session.Command(CursorSql, "@insurer", "@dataset");
            command.Parameters[0].Value = insurer;
            command.Parameters[1].Value = dataset;
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
    }

    /// <summary>
    /// The <c>LIMIT</c> clause of a session statement for <paramref name="max"/> rows: bound as <c>@max</c> unless the
    /// dialect needs it written into the SQL (the command binds <c>@max</c> either way).
    /// </summary>
    protected internal virtual string Limit(int max) => " LIMIT @max";

    /// <summary>Headers of <paramref name="dataset"/> selected by <paramref name="sql"/>, which takes <c>@dataset</c>, one more parameter and a limit.</summary>
    private async Task<IReadOnlyList<BatchHeader>> QueryHeadersAsync(string sql, string parameter, object value, string dataset, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var command = session.Command(sql + Limit(max), "@dataset", parameter, "@max");
            command.Parameters[0].Value = dataset;
            command.Parameters[1].Value = value;
            command.Parameters[2].Value = max;
            return await ReadHeadersAsync(command, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<BatchHeader>> ReadHeadersAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var headers = new List<BatchHeader>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                headers.Add(ReadHeader(reader));
            }

            return headers;
        }
    }

    /// <summary>A session that owns one connection from the provider's own pool and closes it at the end.</summary>
    private sealed class ConnectionSession(DbConnection connection) : StoreSession
    {
        public override DbConnection Connection => connection;

        public override async ValueTask DisposeAsync()
        {
            DisposeCommands();
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
