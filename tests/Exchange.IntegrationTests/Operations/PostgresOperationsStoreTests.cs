using System.Globalization;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Operations;

[Collection(PostgresCollection.Name)]
public sealed class PostgresOperationsStoreTests(PostgresCluster cluster) : OperationsStoreContract, IAsyncLifetime
{
    private readonly List<TestStaging> _stores = [];
    private readonly Dictionary<TestStaging, string> _connectionStrings = [];

    protected override string DialectFolder => "postgres";

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var connectionString = await cluster.CreateDatabaseAsync("ops");
        var store = TestStaging.Postgres(connectionString, Clock);
        _stores.Add(store);
        _connectionStrings[store] = connectionString;
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task ExecuteAsync(TestStaging store, string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionStrings[store]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override string TimestampLiteral(DateTimeOffset at) =>
        "'" + at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00'::timestamptz";

    [Fact]
    public async Task Backup_IsRefused_NamingTheDatabaseTools()
    {
        var store = await CreateStoreAsync();
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => store.Operations.BackupAsync(Path.Combine(Path.GetTempPath(), "never.db"), default));
        Assert.Contains("pg_dump", error.Message, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }
}
