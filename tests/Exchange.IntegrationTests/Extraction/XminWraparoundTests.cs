using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Extraction;

/// <summary>
/// The xmin watermark across PostgreSQL's 32-bit transaction-id wraparound: a cluster of its own starts 3,000
/// transactions before 2^32, and extraction goes on while the ids wrap (and a transaction stays open across the wrap).
/// </summary>
public sealed class XminWraparoundTests : IAsyncLifetime
{
    private const long WrapAt = 1L << 32;
    private readonly PostgresCluster _cluster = new() { NextTransactionId = WrapAt - 3_000 };
    private readonly TempDirectory _folder = new("exchange-wrap");

    public Task InitializeAsync() => _cluster.InitializeAsync();

    [PostgresFact]
    public async Task Xmin_TransactionIdsWrapPast2To32DuringExtraction_StagesEveryRowExactlyOnce()
    {
        var source = await _cluster.CreateDatabaseAsync("wrap");
        await LongTransactionSource.CreateTableAsync(source, 300);
        var (engine, staging) = CreateEngine(source);
        var dataset = new DatasetOptions
        {
            Name = "AC43", Source = "prod", Cron = "0 * * * * ?", Table = "ac43", KeyColumn = "aaz223", ChunkRows = 40, TargetChunkTime = TimeSpan.Zero,
            Watermark = WatermarkModes.Xmin,
        };
        Assert.Equal(300, (await engine.RunAsync(dataset, default)).Rows);

        // A transaction begun before the wrap, committed after it.
        await using var open = new NpgsqlConnection(source);
        await open.OpenAsync();
        await using var acrossTheWrap = await open.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO ac43 SELECT nextval('ac43_key'), 3, 3.00, now() FROM generate_series(1, 25)", open, acrossTheWrap))
        {
            await insert.ExecuteNonQueryAsync();
        }

        for (var step = 0; step < 4; step++)
        {
            await LongTransactionSource.ExecuteAsync(source, "INSERT INTO ac43 SELECT nextval('ac43_key'), 1, 1.00, now() FROM generate_series(1, 30)");
            await LongTransactionSource.ExecuteAsync(source, "DO $$ BEGIN FOR i IN 1..1000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$");
            await engine.RunAsync(dataset, default);
        }

        Assert.True(await CurrentXidAsync(source) > WrapAt, "the transaction ids wrapped");
        await acrossTheWrap.CommitAsync();
        await LongTransactionSource.ExecuteAsync(source, "INSERT INTO ac43 SELECT nextval('ac43_key'), 1, 1.00, now() FROM generate_series(1, 30)");
        for (var quiet = 0; quiet < 2;)
        {
            quiet = (await engine.RunAsync(dataset, default)).Rows == 0 ? quiet + 1 : 0;
        }

        var staged = (await StagedRows.ReadAllAsync(staging, "AC43")).Select(r => r.GetProperty("aaz223").GetInt64()).ToList();
        Assert.Equal(300 + 25 + (5 * 30), staged.Count);
        Assert.Equal(await LongTransactionSource.KeysAsync(source), staged.Order());
        Assert.True(XminWatermark.Parse((await staging.Batches.GetDatasetStateAsync("AC43", default)).Watermark!).To > WrapAt);
    }

    private static async Task<long> CurrentXidAsync(string source)
    {
        await using var connection = new NpgsqlConnection(source);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_current_xact_id()::text::bigint", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private (ExtractionEngine Engine, TestStaging Staging) CreateEngine(string sourceConnectionString) =>
        PostgresSourceEngine.Create(sourceConnectionString, _folder.File("staging.db"));

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _folder.Dispose();
    }
}
