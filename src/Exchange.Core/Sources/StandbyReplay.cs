using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Exchange.Core.Sources;

/// <summary>How far a standby has replayed the primary: every transaction committed there up to <see cref="ReplayedThrough"/> is visible.</summary>
/// <param name="ReplayedThrough">The replayed point; the standby's own clock when it has replayed everything it was sent.</param>
/// <param name="Lag">How far the standby is behind (zero when caught up, or when the connection reaches a primary).</param>
public sealed record ReplayState(DateTimeOffset ReplayedThrough, TimeSpan Lag);

/// <summary>Reads a standby's replayed point, per dialect, on a connection to the standby.</summary>
/// <remarks>
/// A connection that reaches a primary (PostgreSQL not in recovery, Oracle <c>PRIMARY</c> role, SQL Server database in
/// no availability group) reports no lag: it sees every commit.
/// </remarks>
public static partial class StandbyReplay
{
    /// <summary>The statement that reads the replayed point: columns <c>now</c>, <c>replayed</c> (null when unknown) and, for Oracle, the apply lag.</summary>
    /// <exception cref="NotSupportedException">SQLite has no standby.</exception>
    public static string Sql(SqlDialect dialect) => dialect switch
    {
        // Caught up (everything received is replayed and the receiver streams): the standby's now; else the commit time of
        // the last transaction replayed.
        SqlDialect.Postgres =>
            "SELECT now() AS now, CASE WHEN NOT pg_is_in_recovery() OR (pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() " +
            "AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')) THEN now() " +
            "ELSE pg_last_xact_replay_timestamp() END AS replayed",

        // Active Data Guard: the apply lag as an interval text (+DD HH:MI:SS), null on a primary or when unknown.
        SqlDialect.Oracle =>
            "SELECT SYS_EXTRACT_UTC(SYSTIMESTAMP) AS now, d.database_role AS role, " +
            "(SELECT s.value FROM v$dataguard_stats s WHERE s.name = 'apply lag') AS apply_lag FROM v$database d",

        // A readable secondary: its database's last redone commit, or its now when nothing waits to be sent or redone.
        SqlDialect.SqlServer =>
            "SELECT SYSDATETIMEOFFSET() AS now, " +
            "(SELECT CASE WHEN rs.log_send_queue_size = 0 AND rs.redo_queue_size = 0 THEN SYSDATETIMEOFFSET() " +
            "ELSE TODATETIMEOFFSET(rs.last_commit_time, DATEPART(TZOFFSET, SYSDATETIMEOFFSET())) END " +
            "FROM sys.dm_hadr_database_replica_states rs WHERE rs.database_id = DB_ID() AND rs.is_local = 1) AS replayed",
        _ => throw new NotSupportedException($"{dialect} sources have no standby; ReadConnectionString is for postgres, oracle and sqlserver sources."),
    };

    /// <summary>Reads the replayed point on an open connection to the standby.</summary>
    /// <exception cref="InvalidOperationException">The standby cannot say how far it has replayed (nothing replayed since it started, apply lag unknown).</exception>
    public static async Task<ReplayState> ReadAsync(DbConnection connection, SqlDialect dialect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = Sql(dialect);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The standby's replay query returned no row.");
        }

        var now = Instant(reader.GetValue(0));
        if (dialect == SqlDialect.Oracle)
        {
            var role = reader.IsDBNull(1) ? "" : reader.GetString(1);
            if (role.Equals("PRIMARY", StringComparison.OrdinalIgnoreCase))
            {
                return new ReplayState(now, TimeSpan.Zero);
            }

            var lag = reader.IsDBNull(2) ? null : ParseOracleInterval(reader.GetString(2));
            return lag is { } known
                ? new ReplayState(now - known, known)
                : throw new InvalidOperationException($"The standby ({role}) reports no apply lag in V$DATAGUARD_STATS; is redo apply running?");
        }

        if (reader.IsDBNull(1))
        {
            return dialect == SqlDialect.SqlServer
                ? new ReplayState(now, TimeSpan.Zero)
                : throw new InvalidOperationException("The standby has replayed no transaction since it started (pg_last_xact_replay_timestamp() is null).");
        }

        var replayed = Instant(reader.GetValue(1));
        return new ReplayState(replayed, now > replayed ? now - replayed : TimeSpan.Zero);
    }

    /// <summary>An Oracle day-to-second interval text (<c>+00 00:00:05</c>, <c>+01 02:03:04.5</c>) as a time span; null when it is not one.</summary>
    public static TimeSpan? ParseOracleInterval(string text)
    {
        var match = OracleInterval().Match(text ?? "");
        if (!match.Success)
        {
            return null;
        }

        var span = new TimeSpan(
            int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture));
        if (match.Groups["f"].Success)
        {
            span += TimeSpan.FromSeconds(double.Parse("0." + match.Groups["f"].Value, CultureInfo.InvariantCulture));
        }

        return match.Groups["sign"].Value == "-" ? -span : span;
    }

    private static DateTimeOffset Instant(object value) => value switch
    {
        DateTimeOffset offset => offset,
        DateTime { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc),
        DateTime local => new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc)),
        _ => throw new InvalidOperationException($"The standby's replay query returned a {value.GetType().Name} where a timestamp was expected."),
    };

    [GeneratedRegex(@"^\s*(?<sign>[+-]?)(?<d>\d+) (?<h>\d{1,2}):(?<m>\d{2}):(?<s>\d{2})(?:\.(?<f>\d+))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex OracleInterval();
}
