using System.Data.Common;
using System.Globalization;

namespace Exchange.Core.Staging;

/// <summary>
/// The staging database every feature's store works on: its SQL dialect, its connections and write transactions, and
/// its schema. The statements of the stores are the same on SQLite and PostgreSQL except for row locking, timestamp
/// representation and how a connection is opened, which are answered here.
/// </summary>
public abstract class StagingDatabase : IAsyncDisposable, IDisposable
{
    private const string CreateSchemaVersionSql =
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

    private const string SchemaVersionSql = "SELECT COALESCE(MAX(version), 0) FROM schema_version";

    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the database; <paramref name="timeProvider"/> stamps applied schema scripts.</summary>
    private protected StagingDatabase(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    /// <summary>The number of schema versions this build knows; a migrated store is at this version.</summary>
    public int KnownSchemaVersion => SchemaScripts.For(ScriptFolder).Count;

    /// <summary>The folder of <c>install/sql</c> with this dialect's scripts.</summary>
    internal abstract string ScriptFolder { get; }

    /// <summary>The clause that locks the rows a SELECT reads until the transaction ends ("" where the transaction already holds the write lock).</summary>
    internal abstract string ForUpdate { get; }

    /// <summary>Whether the nodes sharing this store schedule through Quartz's clustered job store in it (its <c>qrtz_*</c> tables).</summary>
    internal virtual bool HasClusterScheduler => false;

    /// <summary>A query returning 1 when the <c>schema_version</c> table exists and 0 when not, creating nothing.</summary>
    private protected abstract string SchemaVersionTableExistsSql { get; }

    /// <summary>A timestamp as this dialect stores it.</summary>
    internal abstract object ToDb(DateTimeOffset value);

    /// <summary>A stored timestamp read back.</summary>
    internal abstract DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);

    /// <summary>Opens a connection ready for use.</summary>
    internal abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a transaction that will write.</summary>
    internal virtual async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Serialises schema migrations between several daemons sharing the store.</summary>
    private protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before the migration transaction (settings that cannot be changed inside one).</summary>
    private protected virtual Task PrepareForMigrationAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Applies the schema scripts not yet applied; refuses a schema newer than this build knows.</summary>
    /// <exception cref="StagingSchemaException">The stored schema version is unknown to this build.</exception>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var scripts = SchemaScripts.For(ScriptFolder);
        var session = new ConnectionSession(this, await OpenAsync(cancellationToken).ConfigureAwait(false));
        await using (session.ConfigureAwait(false))
        {
            await PrepareForMigrationAsync(session.Connection, cancellationToken).ConfigureAwait(false);
            var transaction = await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockForMigrationAsync(session.Connection, transaction, cancellationToken).ConfigureAwait(false);
                await session.ExecuteAsync(CreateSchemaVersionSql, transaction, cancellationToken).ConfigureAwait(false);
                var current = await session.ScalarAsync<long>(SchemaVersionSql, transaction, cancellationToken).ConfigureAwait(false);
                if (current > scripts.Count)
                {
                    throw new StagingSchemaException(
                        $"The staging store has schema version {current}, but this build of Exchange knows versions 1 to {scripts.Count} ({ScriptFolder}). " +
                        "Run the newer Exchange that wrote it, or point Exchange:Staging:ConnectionString at another store.");
                }

                foreach (var script in scripts.Where(s => s.Version > current))
                {
                    await session.ExecuteAsync(script.Sql, transaction, cancellationToken).ConfigureAwait(false);
                    await session.ExecuteAsync(
                        "INSERT INTO schema_version (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
                        transaction,
                        cancellationToken,
                        ("Version", script.Version),
                        ("Name", script.Name),
                        ("AppliedAt", _timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture))).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The schema version of the store as it is, creating and changing nothing (0 when it has no <c>schema_version</c> table).</summary>
    public async Task<int> ReadSchemaVersionAsync(CancellationToken cancellationToken)
    {
        var session = new ConnectionSession(this, await OpenAsync(cancellationToken).ConfigureAwait(false));
        await using (session.ConfigureAwait(false))
        {
            if (await session.ScalarAsync<long>(SchemaVersionTableExistsSql, null, cancellationToken).ConfigureAwait(false) == 0)
            {
                return 0;
            }

            return (int)await session.ScalarAsync<long>(SchemaVersionSql, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a consistent copy of the store to <paramref name="path"/> while it stays in use.</summary>
    /// <remarks>Only the SQLite store copies itself; a server database is backed up with its own tools.</remarks>
    /// <exception cref="NotSupportedException">The store cannot back itself up (PostgreSQL: use pg_dump).</exception>
    public virtual Task BackupAsync(string path, CancellationToken cancellationToken) =>
        throw new NotSupportedException(
            $"The {ScriptFolder} staging store is not backed up by Exchange: use the database's own tools (PostgreSQL: pg_dump, or continuous archiving).");

    /// <summary>Lends a connection for the statements of one call (a fresh connection unless the dialect keeps sessions).</summary>
    internal virtual async ValueTask<StagingSession> OpenSessionAsync(CancellationToken cancellationToken) =>
        new ConnectionSession(this, await OpenAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Runs one query on a session of its own and maps every row.</summary>
    internal async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            return await session.QueryAsync(sql, null, map, cancellationToken, parameters).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction on a session of its own. The work commits; a transaction it
    /// leaves open (a refusal, an exception) is rolled back.
    /// </summary>
    internal async Task<T> WriteAsync<T>(Func<StagingSession, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var transaction = await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                return await work(session, transaction).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The <c>LIMIT</c> clause for <paramref name="max"/> rows: bound as <c>@max</c> unless the dialect needs it written
    /// into the SQL (the statement binds <c>@max</c> either way).
    /// </summary>
    internal virtual string Limit(int max) => " LIMIT @max";

    /// <summary>
    /// A subquery of one text column <c>value</c>: the elements of the JSON array of strings bound as <c>@parameter</c>
    /// (one parameter for a list of any length, the same on both dialects).
    /// </summary>
    internal virtual string JsonTextValues(string parameter) => $"SELECT value FROM json_each(@{parameter})";

    /// <summary>Whether an <c>INSERT … ON CONFLICT</c> spends an identity value even for a row that conflicts (PostgreSQL).</summary>
    internal virtual bool ConflictSpendsIdentity => false;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the dialect holds open.</summary>
    protected virtual ValueTask DisposeAsyncCore()
    {
        Dispose(disposing: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>Releases what the dialect holds open.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>A session that owns one connection from the provider's own pool and closes it at the end.</summary>
    private sealed class ConnectionSession(StagingDatabase database, DbConnection connection) : StagingSession(database)
    {
        public override DbConnection Connection => connection;

        public override ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
