using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Exchange.Core.Staging;

/// <summary>
/// Open SQLite connections kept for <see cref="StoreSession"/>s, each with its PRAGMAs set once and its statements
/// prepared once. At most <see cref="MaxIdle"/> wait idle; more are opened under load and closed when returned.
/// </summary>
internal sealed class SqliteSessionPool(string connectionString, Func<SqliteConnection, CancellationToken, Task> prepare) : IDisposable
{
    /// <summary>How many open connections are kept between calls.</summary>
    /// <remarks>
    /// Generous on purpose: a new connection parses the whole schema on its first statement, so a pool smaller than the
    /// number of calls in flight keeps opening and closing connections under load.
    /// </remarks>
    public static readonly int MaxIdle = Math.Max(32, Environment.ProcessorCount * 8);

    // A stack, not a ConcurrentBag: a bag steals across per-thread lists when sessions are returned on other threads.
    private readonly ConcurrentStack<Session> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    /// <summary>Lends an open connection.</summary>
    public async ValueTask<StoreSession> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryPop(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await prepare(connection, cancellationToken).ConfigureAwait(false);
            return new Session(connection, this);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes every idle connection; connections on loan are closed when returned.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryPop(out var session))
        {
            session.Close();
        }
    }

    private void Return(Session session)
    {
        // A connection left inside a transaction (a failed write) is not lent again.
        if (_disposed || Volatile.Read(ref _idleCount) >= MaxIdle || session.InTransaction)
        {
            session.Close();
            return;
        }

        Interlocked.Increment(ref _idleCount);
        _idle.Push(session);
        if (_disposed && _idle.TryPop(out var late))
        {
            late.Close();
        }
    }

    private sealed class Session(SqliteConnection connection, SqliteSessionPool pool) : StoreSession
    {
        public override DbConnection Connection => connection;

        public bool InTransaction => connection.State != System.Data.ConnectionState.Open || SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0;

        public override ValueTask DisposeAsync()
        {
            pool.Return(this);
            return ValueTask.CompletedTask;
        }

        // Compiled now and kept: without Prepare, Microsoft.Data.Sqlite compiles the SQL again on every execution.
        protected override void Prepared(DbCommand command) => command.Prepare();

        public void Close()
        {
            DisposeCommands();
            connection.Dispose();
        }
    }
}
