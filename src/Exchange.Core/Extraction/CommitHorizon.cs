using System.Data.Common;
using System.Globalization;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>The session holding the oldest open transaction at the source, as operators need it to find and end it.</summary>
/// <param name="Session">PostgreSQL pid, Oracle <c>SID,SERIAL#@INST_ID</c>, SQL Server session id.</param>
/// <param name="User">The database user.</param>
/// <param name="Application">The application (or program) name the session gave.</param>
/// <param name="Started">When its transaction started, on the source's clock.</param>
public sealed record OpenTransaction(string Session, string User, string Application, DateTimeOffset Started);

/// <summary>One reading of the source's clock and of its oldest open transaction, taken once per run.</summary>
/// <param name="SourceNow">The source's own now (for SQLite, the daemon's clock: the file is on this machine).</param>
/// <param name="Readable">False when the source does not let this user see other sessions' transactions.</param>
/// <param name="Oldest">The oldest open transaction; null when none is open (or it cannot be read).</param>
public sealed record HorizonReading(DateTimeOffset SourceNow, bool Readable, OpenTransaction? Oldest)
{
    /// <summary>How old the oldest open transaction is, on the source's clock; zero when none is open.</summary>
    public TimeSpan Age => Oldest is { } open && open.Started < SourceNow ? SourceNow - open.Started : TimeSpan.Zero;
}

/// <summary>The run was refused: the source's commit horizon is needed and this user may not read it.</summary>
public sealed class CommitHorizonUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a source's commit horizon: the start of the oldest transaction still open, and the source's now, in one
/// round trip. A row stamped by an open transaction becomes visible only when it commits, so a timestamp run must stop
/// before the oldest open transaction's start (and <see cref="Configuration.WatermarkModes.Xmin"/> runs report it when it blocks them).
/// </summary>
/// <remarks>
/// PostgreSQL counts every client transaction, not only those holding an xid: a transaction gets its xid at its first
/// write, and rows stamped with its start time (<c>now()</c>) by a write that comes later would otherwise be missed.
/// Sessions of other databases of the cluster cannot write this one's rows, and autovacuum workers never write
/// application rows: both are left out. Ages are computed on the source (for Oracle and
/// SQL Server, whose start times are local wall-clock values, against the same local clock), so no time zone is assumed.
/// </remarks>
public static class CommitHorizon
{
    /// <summary>
    /// Per dialect: one row of source now (UTC), whether other sessions' transactions are visible, and the oldest
    /// open transaction (age in seconds, session, user, application; nulls when none). SQLite has no horizon.
    /// </summary>
    public static readonly IReadOnlyDictionary<SqlDialect, string> Sql = new Dictionary<SqlDialect, string>
    {
        [SqlDialect.Postgres] =
            "SELECT now() AS source_now, pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS readable, " +
            "EXTRACT(EPOCH FROM now() - o.xact_start)::float8 AS age_seconds, o.pid::text AS session, o.usename::text AS user_name, o.application_name::text AS application " +
            "FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT a.xact_start, a.pid, a.usename, a.application_name FROM pg_stat_activity a " +
            "WHERE a.xact_start IS NOT NULL AND a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type <> 'autovacuum worker' " +
            "ORDER BY a.xact_start LIMIT 1) AS o ON true",
        [SqlDialect.Oracle] =
            "SELECT SYS_EXTRACT_UTC(SYSTIMESTAMP) AS source_now, 1 AS readable, (SYSDATE - o.start_date) * 86400 AS age_seconds, o.session_id AS \"SESSION\", " +
            "o.username AS user_name, o.program AS application FROM dual LEFT JOIN (" +
            "SELECT t.start_date, s.sid || ',' || s.serial# || '@' || s.inst_id AS session_id, s.username, s.program FROM gv$transaction t " +
            "JOIN gv$session s ON s.saddr = t.ses_addr AND s.inst_id = t.inst_id ORDER BY t.start_date FETCH FIRST 1 ROWS ONLY) o ON 1 = 1",
        [SqlDialect.SqlServer] =
            "SELECT SYSUTCDATETIME() AS source_now, CAST(1 AS bit) AS readable, " +
            "DATEDIFF_BIG(MILLISECOND, o.transaction_begin_time, SYSDATETIME()) / 1000.0 AS age_seconds, CAST(o.session_id AS nvarchar(12)) AS session, " +
            "o.login_name AS user_name, o.program_name AS application FROM (SELECT 1 AS one) AS one OUTER APPLY (" +
            "SELECT TOP (1) t.transaction_begin_time, s.session_id, s.login_name, s.program_name FROM sys.dm_tran_active_transactions t " +
            "JOIN sys.dm_tran_session_transactions st ON st.transaction_id = t.transaction_id JOIN sys.dm_exec_sessions s ON s.session_id = st.session_id " +
            "WHERE st.is_user_transaction = 1 AND s.session_id <> @@SPID ORDER BY t.transaction_begin_time) AS o",
    };

    /// <summary>
    /// PostgreSQL, for <see cref="Configuration.WatermarkModes.Xmin"/> datasets: only transactions holding an xid hold the snapshot's xmin
    /// back, so only they are reported, in any database of the cluster (the snapshot is the cluster's).
    /// </summary>
    public static readonly string PostgresWritersSql =
        Sql[SqlDialect.Postgres].Replace("WHERE a.xact_start IS NOT NULL AND a.datname = current_database()", "WHERE a.backend_xid IS NOT NULL AND a.xact_start IS NOT NULL", StringComparison.Ordinal);

    /// <summary>Per dialect: the source's now alone (UTC), for a source whose horizon cannot be read.</summary>
    public static readonly IReadOnlyDictionary<SqlDialect, string> NowSql = new Dictionary<SqlDialect, string>
    {
        [SqlDialect.Postgres] = "SELECT now()",
        [SqlDialect.Oracle] = "SELECT SYS_EXTRACT_UTC(SYSTIMESTAMP) FROM dual",
        [SqlDialect.SqlServer] = "SELECT SYSUTCDATETIME()",
    };

    /// <summary>Reads the source's now.</summary>
    public static async Task<DateTimeOffset> ReadNowAsync(DbConnection connection, SqlDialect dialect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = NowSql[dialect];
        return ReadInstant(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The source returned no time."));
    }

    /// <summary>What to grant the source user so that the horizon can be read, per dialect.</summary>
    public static string GrantNeeded(SqlDialect dialect, string user) => dialect switch
    {
        SqlDialect.Postgres => $"GRANT pg_read_all_stats TO {user};",
        SqlDialect.Oracle => $"GRANT SELECT ON SYS.GV_$TRANSACTION TO {user}; GRANT SELECT ON SYS.GV_$SESSION TO {user};",
        SqlDialect.SqlServer => $"GRANT VIEW SERVER STATE TO {user};",
        _ => "(no grant: this source has no commit horizon)",
    };

    /// <summary>Reads the horizon on the run's connection; <see cref="HorizonReading.Readable"/> is false when a grant is missing.</summary>
    /// <exception cref="DbException">The source failed for another reason than a missing privilege.</exception>
    /// <param name="connection">The run's open connection.</param>
    /// <param name="dialect">The source's dialect.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <param name="writersOnly">PostgreSQL: only transactions holding an xid (see <see cref="PostgresWritersSql"/>).</param>
    public static async Task<HorizonReading> ReadAsync(DbConnection connection, SqlDialect dialect, CancellationToken cancellationToken, bool writersOnly = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!Sql.TryGetValue(dialect, out var sql))
        {
            throw new NotSupportedException($"A {dialect} source has no commit horizon.");
        }

        if (writersOnly && dialect == SqlDialect.Postgres)
        {
            sql = PostgresWritersSql;
        }

        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = sql;
        DbDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbException error) when (IsMissingPrivilege(error))
        {
            return new HorizonReading(DateTimeOffset.MinValue, false, null);
        }

        await using var readerScope = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The commit-horizon query returned no row.");
        }

        var now = ReadInstant(reader.GetValue(0));
        var readable = Convert.ToBoolean(reader.GetValue(1), CultureInfo.InvariantCulture);
        if (!readable || reader.IsDBNull(2))
        {
            return new HorizonReading(now, readable, null);
        }

        var age = TimeSpan.FromSeconds(Convert.ToDouble(reader.GetValue(2), CultureInfo.InvariantCulture));
        string Text(int ordinal) => reader.IsDBNull(ordinal) ? "" : Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture) ?? "";
        return new HorizonReading(now, true, new OpenTransaction(Text(3), Text(4), Text(5), now - age));
    }

    // PostgreSQL reports a missing grant in the readable column; Oracle (ORA-00942, ORA-01031) and SQL Server (VIEW SERVER
    // STATE) fail the query. Any other failure is the source's and is thrown: it must never read as "no open transaction".
    private static bool IsMissingPrivilege(DbException error) =>
        error.Message.Contains("ORA-00942", StringComparison.Ordinal)
        || error.Message.Contains("ORA-01031", StringComparison.Ordinal)
        || error.Message.Contains("VIEW SERVER STATE", StringComparison.OrdinalIgnoreCase)
        || error.Message.Contains("VIEW SERVER PERFORMANCE STATE", StringComparison.OrdinalIgnoreCase);

    private static DateTimeOffset ReadInstant(object value) => value switch
    {
        DateTimeOffset instant => instant,
        // Every dialect's query returns its now in UTC (PostgreSQL as timestamptz, the others as a UTC wall-clock value).
        DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        _ => throw new InvalidOperationException($"The source's now came back as {value.GetType().Name}."),
    };
}
