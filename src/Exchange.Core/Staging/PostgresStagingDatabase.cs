using System.Data.Common;
using Npgsql;

namespace Exchange.Core.Staging;

/// <summary>
/// The staging database on PostgreSQL, for production scale and for several front-end nodes sharing one store:
/// dataset rows are locked with <c>FOR UPDATE</c> so sequence numbers and watermarks stay exact across nodes.
/// </summary>
public sealed class PostgresStagingDatabase : StagingDatabase
{
    // Any fixed number: the key of the advisory lock that serialises migrations between nodes.
    private const long MigrationLockKey = 0x45_78_63_68_61_6E_67_65;

    /// <summary>
    /// The head of a statement whose commit does not wait for the WAL flush: <c>WITH async_commit AS MATERIALIZED (...)</c>,
    /// for the statement to select from. The shared limits write a row on every call; waiting for the disk on each would
    /// cost more than the statement. A crash of the database server loses at most the last fraction of a second of them.
    /// </summary>
    internal const string WithAsyncCommit = "WITH async_commit AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))\n";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _connectionString;

    /// <summary>Creates the database; nothing is opened until the first call.</summary>
    public PostgresStagingDatabase(string connectionString, TimeProvider timeProvider)
        : base(timeProvider)
    {
        _connectionString = connectionString;
        _dataSource = NpgsqlDataSource.Create(PoolSettings(connectionString));
    }

    /// <summary>How many statements each pooled connection keeps prepared: the same few run on every SOAP call, and a prepared one skips the server's parse and plan.</summary>
    internal const int AutoPreparedStatements = 64;

    /// <inheritdoc />
    internal override string ScriptFolder => "postgres";

    /// <inheritdoc />
    internal override string ForUpdate => " FOR UPDATE";

    /// <inheritdoc />
    internal override bool HasClusterScheduler => true;

    /// <inheritdoc />
    private protected override string SchemaVersionTableExistsSql => "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN 0 ELSE 1 END";

    /// <inheritdoc />
    internal override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A connection of its own, outside the pool, for a session that holds something (a dataset lease): closing it ends
    /// the session, and nothing it holds can go back to the pool with it.
    /// </summary>
    internal async Task<NpgsqlConnection> OpenUnpooledAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The pool's settings for the SOAP service's short calls: statements prepared automatically
    /// (<see cref="AutoPreparedStatements"/>, unless the connection string sets <c>Max Auto Prepare</c>), and no
    /// <c>DISCARD ALL</c> when a connection goes back to the pool. That reset was a statement of its own on every call, as
    /// many as all the others together; the staging store leaves nothing on a pooled session to reset (its settings are
    /// per transaction, its session locks are taken on connections outside the pool).
    /// </summary>
    private static string PoolSettings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        return builder.ConnectionString;
    }

    /// <inheritdoc />
    private protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    internal override bool ConflictSpendsIdentity => true;

    /// <inheritdoc />
    internal override string JsonTextValues(string parameter) => $"SELECT value FROM json_array_elements_text(CAST(@{parameter} AS json)) AS j(value)";

    /// <inheritdoc />
    internal override object ToDb(DateTimeOffset value) => value.ToUniversalTime();

    /// <inheritdoc />
    internal override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    /// <inheritdoc />
    protected override ValueTask DisposeAsyncCore() => _dataSource.DisposeAsync();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dataSource.Dispose();
        }
    }
}
