using System.Data.Common;
using Npgsql;

namespace Exchange.Core.Staging;

/// <summary>
/// The staging store on PostgreSQL, for production scale and for several front-end nodes sharing one store:
/// dataset rows are locked with <c>FOR UPDATE</c> so sequence numbers and watermarks stay exact across nodes.
/// </summary>
public sealed class PostgresStagingStore : AdoStagingStore, IAsyncDisposable, IDisposable
{
    // Any fixed number: the key of the advisory lock that serialises migrations between nodes.
    private const long MigrationLockKey = 0x45_78_63_68_61_6E_67_65;
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates the store; nothing is opened until the first call.</summary>
    public PostgresStagingStore(string connectionString, TimeProvider timeProvider)
        : base(timeProvider)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <inheritdoc />
    protected override string DialectFolder => "postgres";

    /// <inheritdoc />
    protected override string ForUpdate => " FOR UPDATE";

    /// <inheritdoc />
    protected override string SchemaVersionTableExistsSql => "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN 0 ELSE 1 END";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override object ToDb(DateTimeOffset value) => value.ToUniversalTime();

    /// <inheritdoc />
    protected override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => _dataSource.Dispose();
}
