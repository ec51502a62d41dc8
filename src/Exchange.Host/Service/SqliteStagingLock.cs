using Exchange.Core.Configuration;
using Exchange.Core.Staging;

namespace Exchange.Host.Service;

/// <summary>
/// One daemon per SQLite staging file. SQLite keeps data correct with two writers, but nothing would share the work
/// between them: both would read every source and answer every insurer from their own memory. So the daemon holds an
/// exclusive lock on <c>&lt;file&gt;.lock</c> while it runs; the operating system releases it when the process ends,
/// however it ends (<c>kill -9</c> included). Several nodes need the PostgreSQL staging store.
/// </summary>
internal sealed class SqliteStagingLock : IDisposable
{
    private readonly FileStream _lock;

    private SqliteStagingLock(FileStream held) => _lock = held;

    /// <summary>The lock file's path, beside the staging database.</summary>
    public static string PathFor(string databaseFile) => databaseFile + ".lock";

    /// <summary>
    /// Takes the lock for a SQLite staging store (null for another provider: nothing to lock), or explains who holds it.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another process holds the lock; the message says what to do.</exception>
    public static SqliteStagingLock? Acquire(StagingOptions staging)
    {
        ArgumentNullException.ThrowIfNull(staging);
        if (staging.Provider != "sqlite")
        {
            return null;
        }

        var database = SqliteStagingStore.DatabaseFile(staging.ConnectionString);
        var path = PathFor(database);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix and a share lock on Windows.
            var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            held.SetLength(0);
            using (var writer = new StreamWriter(held, leaveOpen: true))
            {
                writer.Write(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            held.Flush(flushToDisk: true);
            return new SqliteStagingLock(held);
        }
        catch (IOException error)
        {
            throw new InvalidOperationException(
                $"another Exchange daemon already runs on the SQLite staging store '{database}' (it holds '{path}': {error.Message}). " +
                "One daemon serves one SQLite store: stop the other one, or give this one its own Exchange:DataDirectory; " +
                "to run several nodes together, use the PostgreSQL staging store (Exchange:Staging:Provider \"postgres\").",
                error);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();
}
