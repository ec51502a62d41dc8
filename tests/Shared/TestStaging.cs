using Exchange.Core.Audit;
using Exchange.Core.Deletes;
using Exchange.Core.Load;
using Exchange.Core.Operations;
using Exchange.Core.Requests;
using Exchange.Core.Staging;

namespace Exchange.Testing;

/// <summary>
/// A staging database with each feature's store on it, as <c>AddStagingStore</c> wires them, and the reads that tests
/// check rows with but production code never makes (they query the database directly). One source file, compiled into
/// each test project that uses it.
/// </summary>
public sealed class TestStaging : IAsyncDisposable, IDisposable
{
    public TestStaging(StagingDatabase database, TimeProvider clock)
    {
        Database = database;
        Batches = new BatchStore(database, clock);
        Requests = new RequestStore(database, clock);
        Audit = new AuditStore(database);
        LoadSamples = new LoadSampleStore(database);
        Operations = new OperationsStore(database, clock);
        Keys = new KeyIndexStore(database, clock);
    }

    public StagingDatabase Database { get; }

    public BatchStore Batches { get; }

    public RequestStore Requests { get; }

    public AuditStore Audit { get; }

    public LoadSampleStore LoadSamples { get; }

    public OperationsStore Operations { get; }

    public KeyIndexStore Keys { get; }

    /// <summary>The SQLite file (only for a SQLite database).</summary>
    public string FilePath => ((SqliteStagingDatabase)Database).FilePath;

    public static TestStaging Sqlite(string connectionString, TimeProvider clock) => new(new SqliteStagingDatabase(connectionString, clock), clock);

    public static TestStaging Postgres(string connectionString, TimeProvider clock) => new(new PostgresStagingDatabase(connectionString, clock), clock);

    public Task MigrateAsync(CancellationToken cancellationToken) => Database.MigrateAsync(cancellationToken);

    /// <summary>The headers of the dataset's batches after <paramref name="afterSeq"/>, in <c>Seq</c> order, at most <paramref name="max"/>.</summary>
    public Task<IReadOnlyList<BatchHeader>> GetBatchHeadersAfterAsync(string dataset, long afterSeq, int max, CancellationToken cancellationToken) =>
        Database.QueryAsync(
            "SELECT batch_id, dataset, seq, row_count, created_at, format, size_bytes, sha256 FROM batches WHERE dataset = @dataset AND seq > @afterSeq ORDER BY seq LIMIT @max",
            reader => new BatchHeader(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), Database.ReadTimestamp(reader, 4),
                reader.GetString(5), reader.GetInt64(6), reader.GetString(7)),
            cancellationToken,
            ("dataset", dataset),
            ("afterSeq", afterSeq),
            ("max", max));

    /// <summary>The insurer's cursor in the dataset (0 when it acknowledged nothing).</summary>
    public async Task<long> GetCursorAsync(string insurer, string dataset, CancellationToken cancellationToken)
    {
        var cursors = await Database.QueryAsync(
            "SELECT acked_seq FROM cursors WHERE insurer = @insurer AND dataset = @dataset", reader => reader.GetInt64(0), cancellationToken, ("insurer", insurer), ("dataset", dataset));
        return cursors.Count == 0 ? 0 : cursors[0];
    }

    /// <summary>Audit records from <paramref name="since"/> on, oldest first.</summary>
    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        Database.QueryAsync(
            "SELECT at, principal, operation, object_id, outcome, remote_address, calls FROM audit_log WHERE at >= @since ORDER BY audit_id LIMIT @max",
            reader => new AuditEntry(
                Database.ReadTimestamp(reader, 0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6)),
            cancellationToken,
            ("since", Database.ToDb(since)),
            ("max", max));

    /// <summary>Writes one audit record through the production group commit.</summary>
    public Task WriteAuditAsync(AuditEntry entry, CancellationToken cancellationToken) => Audit.WriteAuditBatchAsync([entry], cancellationToken);

    /// <summary>The source's load samples from <paramref name="since"/> on, in the order they were stored.</summary>
    public Task<IReadOnlyList<LoadSample>> ReadLoadSamplesAsync(string source, DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        Database.QueryAsync(
            "SELECT at, source, probe, value, gate_state, reason FROM load_samples WHERE source = @source AND at >= @since ORDER BY sample_id LIMIT @max",
            reader => LoadSampleStore.Read(reader, Database),
            cancellationToken,
            ("source", source),
            ("since", Database.ToDb(since)),
            ("max", max));

    /// <summary>The schema version the store is at.</summary>
    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken) => Database.ReadSchemaVersionAsync(cancellationToken);

    public ValueTask DisposeAsync() => Database.DisposeAsync();

    public void Dispose() => Database.Dispose();
}
