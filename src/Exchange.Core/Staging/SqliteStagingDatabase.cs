using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Exchange.Core.Staging;

/// <summary>
/// The embedded staging database: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed batch
/// survives a power cut. Write transactions begin IMMEDIATE, taking the file's write lock up front.
/// </summary>
public sealed class SqliteStagingDatabase : StagingDatabase
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    private readonly string _connectionString;
    private readonly SqliteSessionPool _sessions;

    /// <summary>Creates the database on the file named by <paramref name="connectionString"/> (its folder is created if missing).</summary>
    public SqliteStagingDatabase(string connectionString, TimeProvider timeProvider)
        : base(timeProvider)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException($"The SQLite staging store needs a file ('Data Source=path/staging.db'); got '{builder.DataSource}'.", nameof(connectionString));
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        builder.Pooling = true;
        builder.DefaultTimeout = 30;
        _connectionString = builder.ToString();
        FilePath = Path.GetFullPath(builder.DataSource);
        _sessions = new SqliteSessionPool(this);
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    internal override string ScriptFolder => "sqlite";

    /// <inheritdoc />
    internal override string ForUpdate => "";

    /// <inheritdoc />
    private protected override string SchemaVersionTableExistsSql => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";

    /// <summary>The database file a connection string names, as the database would open it (nothing is created).</summary>
    public static string DatabaseFile(string connectionString) => Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource);

    /// <inheritdoc />
    internal override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var pragma = connection.CreateCommand();

            // synchronous is per connection: FULL makes every commit durable in WAL mode.
            pragma.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    internal override ValueTask<StagingSession> OpenSessionAsync(CancellationToken cancellationToken) => _sessions.RentAsync(cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// SQLite 3.50 marks a statement whose LIMIT is a bound parameter for recompilation whenever the parameter is bound, so
    /// a kept Poll statement would be compiled again on every call. A literal keeps one compiled statement per limit value.
    /// </remarks>
    internal override string Limit(int max) => string.Create(CultureInfo.InvariantCulture, $" LIMIT {max}");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sessions.Dispose();
        }
    }

    /// <inheritdoc />
    internal override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        // deferred: false is BEGIN IMMEDIATE: no read-then-upgrade deadlock between two writers.
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    /// <inheritdoc />
    private protected override async Task PrepareForMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StagingSchemaException($"SQLite staging store '{FilePath}' could not be switched to WAL mode (journal_mode is '{mode}'); put it on a local file system.");
        }
    }

    /// <inheritdoc />
    internal override object ToDb(DateTimeOffset value) => value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <inheritdoc />
    internal override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        DateTimeOffset.ParseExact(reader.GetString(ordinal), TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <inheritdoc />
    public override async Task BackupAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var source = (SqliteConnection)connection;

            // Written to a new file beside the target and renamed at the end, so a failed backup never leaves a half file under
            // the asked name, and the rename stays on one file system. A random name created with CreateNew cannot be a file
            // or symbolic link someone placed there; owner-only from the start, as the copy holds every insurer's data.
            var full = Path.GetFullPath(path);
            var partial = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
            try
            {
                CreateOwnerOnlyFile(partial);
                var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = partial, Pooling = false }.ToString());
                await using (destination.ConfigureAwait(false))
                {
                    await destination.OpenAsync(cancellationToken).ConfigureAwait(false);

                    // One backup step over all pages under a read transaction: in WAL mode writers go on, the copy is one snapshot.
                    source.BackupDatabase(destination);
                }

                // On disk before it gets the asked name: a crash after the rename must not leave a name for pages never written.
                using (var written = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    written.Flush(flushToDisk: true);
                }

                // No overwrite: a file or link that appeared at the target meanwhile makes the move fail instead of being replaced.
                File.Move(partial, full, overwrite: false);
            }
            catch
            {
                foreach (var leftover in new[] { partial, partial + "-journal", partial + "-wal", partial + "-shm" })
                {
                    File.Delete(leftover);
                }

                throw;
            }
        }
    }

    private static void CreateOwnerOnlyFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var created = new FileStream(path, options);
    }
}
