using System.Data.Common;
using Oracle.ManagedDataAccess.Client;

namespace Exchange.Core.Sources;

/// <summary>What every source session is set to right after it opens, per dialect.</summary>
public static class SourceSessions
{
    /// <summary>The statement that sets a SQL Server session's isolation level.</summary>
    public static string SqlServerIsolationSql(SqlServerIsolation isolation) => isolation switch
    {
        SqlServerIsolation.ReadCommitted => "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
        SqlServerIsolation.Snapshot => "SET TRANSACTION ISOLATION LEVEL SNAPSHOT",
        SqlServerIsolation.SnapshotWhenAllowed =>
            "IF EXISTS (SELECT 1 FROM sys.databases WHERE database_id = DB_ID() AND snapshot_isolation_state = 1) " +
            "SET TRANSACTION ISOLATION LEVEL SNAPSHOT ELSE SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
        _ => throw new ArgumentOutOfRangeException(nameof(isolation), isolation, "accepted: ReadCommitted, Snapshot, SnapshotWhenAllowed"),
    };

    /// <summary>
    /// Prepares an open session: on SQL Server an isolation level other than the default <c>READ COMMITTED</c> (set on
    /// every open, as a pooled connection's reset returns it to the default), on Oracle the module name that the load
    /// probes leave out of what they count.
    /// </summary>
    /// <remarks>
    /// <c>READ COMMITTED</c> costs no statement: it is what a new or reset session has, and a source's pool holds only
    /// the daemon's own sessions of that source, all at the source's one level. The probes, which open a session per
    /// sample, so add no round trip.
    /// </remarks>
    public static async Task PrepareAsync(DbConnection connection, SqlDialect dialect, SqlServerIsolation isolation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection is OracleConnection oracle)
        {
            // Sent with the next round trip; v$session.module then names the daemon's sessions.
            oracle.ModuleName = Load.ProbePresets.ApplicationName;
            return;
        }

        if (dialect != SqlDialect.SqlServer || isolation == SqlServerIsolation.ReadCommitted)
        {
            return;
        }

        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = SqlServerIsolationSql(isolation);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
