using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Staging;

public sealed class SqliteStagingStoreTests : StagingStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-staging");

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

    [Fact]
    public async Task Migrate_PutsTheFileInWalModeWithFullSync()
    {
        var store = (SqliteStagingStore)await CreateStoreAsync();
        await using var connection = new SqliteConnection($"Data Source={store.FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public void Constructor_RefusesAnInMemoryDatabase_NamingWhatItNeeds()
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteStagingStore("Data Source=:memory:", Clock));
        Assert.Contains("needs a file", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
