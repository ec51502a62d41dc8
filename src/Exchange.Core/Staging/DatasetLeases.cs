using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Exchange.Core.Staging;

/// <summary>
/// Who works on a dataset now: an extraction run or an operator's backfill or watermark reset holds its lease, and any
/// other process (another node, a second command) is refused it until it is released. Held by the operating system or
/// the database session, so a process that dies (<c>kill -9</c> included) releases it.
/// </summary>
/// <remarks>
/// PostgreSQL staging: a session advisory lock on the staging database, keyed by the dataset's name, on a connection of its
/// own (not pooled) held for the lease (every node shares it); the session's TCP keepalives let the server end it, and the
/// lock, about 20 s after its node lost power or its network. SQLite staging: an exclusive lock on a file beside the staging file
/// (<c>&lt;file&gt;.dataset-&lt;hash&gt;.lock</c>), as for the single-daemon lock.
/// </remarks>
public sealed class DatasetLeases(StagingDatabase database)
{
    /// <summary>What the session holding a lease sets, so the server drops it soon after its node is gone.</summary>
    internal const string KeepaliveSql = """
        SELECT set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '3', false),
               set_config('tcp_keepalives_count', '3', false), set_config('tcp_user_timeout', '20000', false), @key
        """;

    /// <summary>The lease, or null when another process or node holds it.</summary>
    public async Task<IAsyncDisposable?> TryTakeAsync(string dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return database switch
        {
            SqliteStagingDatabase sqlite => TryLockFile(sqlite.FilePath + ".dataset-" + Hash(dataset)[..16] + ".lock"),
            _ => await TryAdvisoryLockAsync(dataset, cancellationToken).ConfigureAwait(false),
        };
    }

    private static FileLease? TryLockFile(string path)
    {
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix and a share lock on Windows.
            return new FileLease(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task<IAsyncDisposable?> TryAdvisoryLockAsync(string dataset, CancellationToken cancellationToken)
    {
        if (database is not PostgresStagingDatabase postgres)
        {
            throw new NotSupportedException($"Dataset leases need SQLite or PostgreSQL staging, not {database.GetType().Name}.");
        }

        var connection = await postgres.OpenUnpooledAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The server notices a holder that lost power or its network within about 20 s (10 s idle, then 3 probes 3 s
            // apart; unacknowledged data 20 s), not after the 2 hours of the operating system's defaults, and ends the
            // session and its lock. All four are per-session settings (PostgreSQL 12+), ignored on a Unix socket.
            _ = await RunAsync(connection, KeepaliveSql, 0, cancellationToken).ConfigureAwait(false);
            var key = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("exchange.dataset:" + dataset)), 0);
            if (await RunAsync(connection, "SELECT pg_try_advisory_lock(@key)", key, cancellationToken).ConfigureAwait(false) is true)
            {
                return new SessionLease(connection, key);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> RunAsync(DbConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, (NpgsqlConnection)connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("key", key);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Hash(string dataset) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataset)));

    private sealed class FileLease(FileStream held) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => held.DisposeAsync();
    }

    private sealed class SessionLease(DbConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Released with the session anyway (the connection is not pooled); unlocked first to be quick about it.
                _ = await RunAsync(connection, "SELECT pg_advisory_unlock(@key)", key, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever the unlock met (a broken or dead session), closing the connection ends the session and its lock.
            catch (Exception)
#pragma warning restore CA1031
            {
                // Nothing to do: the finally closes the session.
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
