using Exchange.Core.Staging;
using Npgsql;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL staging database that several nodes use, each through its own <see cref="PostgresStagingDatabase"/>
/// (its own connection pool), as daemons sharing one store do.
/// </summary>
public sealed class SharedStagingStore(PostgresCluster cluster, TimeProvider clock) : IAsyncDisposable
{
    private readonly List<PostgresStagingDatabase> _nodes = [];

    public string ConnectionString { get; private set; } = "";

    /// <summary>Creates and migrates a new database; returns the first node's view of it.</summary>
    public async Task<PostgresStagingDatabase> CreateAsync(string prefix)
    {
        ConnectionString = await cluster.CreateDatabaseAsync(prefix);
        var first = Node();
        await first.MigrateAsync(default);
        return first;
    }

    /// <summary>Another node on the database <see cref="CreateAsync"/> made last.</summary>
    public PostgresStagingDatabase Node()
    {
        var database = new PostgresStagingDatabase(ConnectionString, clock);
        _nodes.Add(database);
        return database;
    }

    /// <summary>The rows in <paramref name="table"/>.</summary>
    public async Task<long> CountAsync(string table) => (long)(await ScalarAsync($"SELECT COUNT(*) FROM {table}"))!;

    /// <summary>Runs <paramref name="sql"/> on a connection of its own; the first column of its first row, if any.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
