using System.Text.RegularExpressions;
using Exchange.Core.Operations;
using Exchange.Core.Staging;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Staging;

public sealed partial class SqliteStagingStoreTests : StagingStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-staging");

    protected override string DialectFolder => "sqlite";

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var store = TestStaging.Sqlite($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task ExecuteAsync(TestStaging store, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={((TestStaging)store).FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Migrate_PutsTheFileInWalModeWithFullSync()
    {
        var store = (TestStaging)await CreateStoreAsync();
        await using var connection = new SqliteConnection($"Data Source={store.FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public void Constructor_RefusesAnInMemoryDatabase_NamingWhatItNeeds()
    {
        var error = Assert.Throws<ArgumentException>(() => TestStaging.Sqlite("Data Source=:memory:", Clock));
        Assert.Contains("needs a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeptSessions_ServeConcurrentReadsAndAuditGroups_AndAreClosedByDispose()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(new NewBatch("AC01", 1, "jsonl+gzip", [1, 2, 3], "00", null, "w1", BatchOrigin.Extracted), default);

        // More callers at once than sessions are kept, each reading and writing on whatever session it is lent.
        var callers = Enumerable.Range(0, SqliteSessionPool.MaxIdle + 8).Select(i => Task.Run(async () =>
        {
            for (var round = 0; round < 20; round++)
            {
                Assert.Single(await store.Batches.GetUnacknowledgedHeadersAsync($"ins-{i}", "AC01", 1 + (round % 3), default));
                Assert.Empty(await store.Requests.GetUnreadAnsweredMsgIdsAsync($"ins-{i}", 10, default));
                await store.Audit.WriteAuditBatchAsync([new AuditEntry(Clock.GetUtcNow(), $"ins-{i}", "Poll", "AC01", "ok", null)], default);
            }
        }));
        await Task.WhenAll(callers);
        Assert.Equal((SqliteSessionPool.MaxIdle + 8) * 20, (await store.ReadAuditAsync(DateTimeOffset.MinValue.AddYears(1), 10_000, default)).Count);

        store.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.Batches.GetUnacknowledgedHeadersAsync("ins-0", "AC01", 1, default));
    }

    [Fact]
    public async Task HeaderReads_AreAnsweredFromTheHeadersIndex_WithoutReadingBatchRows()
    {
        // A batch row holds its payload before later header columns; reading the row would walk every overflow page of it.
        var store = await CreateStoreAsync();
        var statements = new Dictionary<string, string>
        {
            [nameof(BatchStore.UnacknowledgedSql)] = BatchStore.UnacknowledgedSql + store.Database.Limit(101),
            [nameof(OperationsStore.DatasetStatusSql)] = OperationsStore.DatasetStatusSql,
            [nameof(OperationsStore.ExtractionActivitySql)] = OperationsStore.ExtractionActivitySql,
        };

        await using var connection = new SqliteConnection($"Data Source={store.FilePath}");
        await connection.OpenAsync();
        foreach (var (name, sql) in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + sql;
            var batchReads = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var detail = reader.GetString(3);
                    if (BatchesAccess().IsMatch(detail))
                    {
                        batchReads.Add(detail);
                    }
                }
            }

            Assert.True(batchReads.Count > 0, $"{name}: no read of batches in its plan");
            Assert.All(batchReads, detail => Assert.True(detail.Contains("USING COVERING INDEX", StringComparison.Ordinal), $"{name} reads batch rows: {detail}"));
        }
    }

    public void Dispose() => _folder.Dispose();

    [GeneratedRegex(@"^(SEARCH|SCAN) (batches|b)\b")]
    private static partial Regex BatchesAccess();
}
