using Npgsql;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL <c>ac43</c> that keeps changing the way a social-security database does: a steady writer committing one
/// row at a time, and long transactions that stamp their rows with their start time (<c>now()</c>) and commit much later.
/// Timestamps are the source's wall clock at +08:00, as the tests' sources are configured.
/// </summary>
public static class LongTransactionSource
{
    /// <summary>A row's stamp: the transaction's start, in the source's +08:00 wall-clock time.</summary>
    private const string Stamp = "(now() AT TIME ZONE 'UTC') + interval '8 hours'";

    /// <summary>Creates <c>ac43</c> with <paramref name="rows"/> old rows; later rows take their keys from <c>ac43_key</c>.</summary>
    public static async Task CreateTableAsync(string connectionString, int rows)
    {
        await ExecuteAsync(connectionString, $"""
            CREATE TABLE ac43 (aaz223 bigint PRIMARY KEY, aac001 bigint NOT NULL, aae022 numeric(14,2) NOT NULL, aae036 timestamp without time zone NOT NULL);
            CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
            INSERT INTO ac43 SELECT g, 1000 + g % 97, (g % 100000) / 100.0, timestamp '2026-11-01 08:00:00' + (g / 5) * interval '1 second'
            FROM generate_series(1, {rows}) AS g;
            CREATE SEQUENCE ac43_key START {rows + 1};
            """);
    }

    /// <summary>Commits one row every <paramref name="interval"/> until cancelled; returns how many it committed.</summary>
    public static async Task<int> SteadyWriterAsync(string connectionString, TimeSpan interval, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        var committed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await using (var insert = new NpgsqlCommand($"INSERT INTO ac43 VALUES (nextval('ac43_key'), 1, 1.00, {Stamp})", connection))
            {
                await insert.ExecuteNonQueryAsync(CancellationToken.None);
            }

            committed++;
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return committed;
    }

    /// <summary>
    /// One long transaction: inserts <paramref name="rows"/> rows stamped with its start, stays open for <paramref name="hold"/>
    /// while everything else goes on, then commits. Returns the keys it wrote.
    /// </summary>
    public static async Task<List<long>> HeldTransactionAsync(string connectionString, int rows, TimeSpan hold, string applicationName = "posting-job")
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var keys = new List<long>();
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO ac43 SELECT nextval('ac43_key'), 2, 2.00, {Stamp} FROM generate_series(1, {rows}) RETURNING aaz223", connection, transaction))
        await using (var reader = await insert.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetInt64(0));
            }
        }

        await Task.Delay(hold);
        await transaction.CommitAsync();
        return keys;
    }

    /// <summary>Every key of the source table.</summary>
    public static Task<List<long>> KeysAsync(string connectionString) => PostgresSourceConfig.KeysAsync(connectionString);

    /// <summary>Runs SQL on the source.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
