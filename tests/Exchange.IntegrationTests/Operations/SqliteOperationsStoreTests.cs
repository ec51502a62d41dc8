using System.Globalization;
using Exchange.Core.Staging;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Operations;

public sealed class SqliteOperationsStoreTests : OperationsStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-ops");

    protected override string DialectFolder => "sqlite";

    protected override async Task<AdoStagingStore> CreateStoreAsync()
    {
        var store = new SqliteStagingStore($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task ExecuteAsync(AdoStagingStore store, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={((SqliteStagingStore)store).FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected override string TimestampLiteral(DateTimeOffset at) =>
        "'" + at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "'";

    [Fact]
    public async Task Backup_WritesAnIntegralCopy_WhileAWriterKeepsAppending()
    {
        var store = (SqliteStagingStore)await CreateStoreAsync();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            string? watermark = null;
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                var next = $"w{i}";
                await store.AppendBatchAsync(new NewBatch("AC01", 1, "jsonl+gzip", new byte[4096], new string('a', 64), watermark, next, BatchOrigin.Extracted), default);
                watermark = next;
            }
        });
        await Task.Delay(300);
        var target = _folder.File("backup.db");

        await store.BackupAsync(target, default);
        await stop.CancelAsync();
        await writer;

        await using var copy = new SqliteConnection($"Data Source={target};Mode=ReadOnly;Pooling=false");
        await copy.OpenAsync();
        await using var check = copy.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", (string?)await check.ExecuteScalarAsync());
        check.CommandText = "SELECT (SELECT COUNT(*) FROM batches) = (SELECT last_seq FROM watermarks WHERE dataset = 'AC01')";
        Assert.Equal(1L, (long)(await check.ExecuteScalarAsync())!);
        Assert.False(File.Exists(target + ".partial"));
    }

    public void Dispose() => _folder.Dispose();
}
