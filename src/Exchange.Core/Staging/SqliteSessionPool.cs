using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Exchange.Core.Staging;

/// <summary>
/// Open SQLite connections kept for <see cref="StagingSession"/>s, each with its PRAGMAs set once and its statements
/// compiled once. At most <see cref="MaxIdle"/> wait idle; more are opened under load and closed when returned.
/// </summary>
internal sealed class SqliteSessionPool(SqliteStagingDatabase database) : IDisposable
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
    public async ValueTask<StagingSession> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryPop(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }

        var connection = (SqliteConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return new Session(database, connection, this);
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

    private sealed class Session(SqliteStagingDatabase database, SqliteConnection connection, SqliteSessionPool pool) : StagingSession(database)
    {
        public override DbConnection Connection => connection;

        public bool InTransaction => connection.State != System.Data.ConnectionState.Open || SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0;

        private protected override bool KeepsCommands => true;

        public override ValueTask DisposeAsync()
        {
            pool.Return(this);
            return ValueTask.CompletedTask;
        }

        public void Close()
        {
            DisposeCommands();
            connection.Dispose();
        }
    }
}
