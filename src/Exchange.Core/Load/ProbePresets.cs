using Exchange.Core.Sources;

namespace Exchange.Core.Load;

/// <summary>Ready-made SQL probes per dialect. The daemon's own sessions are left out where the database can tell them apart.</summary>
public static class ProbePresets
{
    /// <summary>The application name the daemon gives its source sessions, so that probes can leave them out.</summary>
    public const string ApplicationName = "exchange";

    // V$SYSMETRIC holds two metric groups: GROUP_ID 3 over the last 15 seconds ("System Metrics Short Duration") and
    // GROUP_ID 2 over the last 60. The gate samples every few seconds, so it reads the 15-second group.
    private const string ShortDurationGroup = "group_id = 3";

    // User sessions running a call now, except this probe's and the daemon's own (named by SourceSessions: module 'exchange').
    private const string ActiveUserSessions =
        "type = 'USER' AND status = 'ACTIVE' AND (module IS NULL OR module NOT LIKE '" + ApplicationName + "%')";

    /// <summary>The presets by name: the dialect they run on and their query.</summary>
    public static IReadOnlyDictionary<string, (SqlDialect Dialect, string Sql)> All { get; } = new Dictionary<string, (SqlDialect, string)>(StringComparer.Ordinal)
    {
        // Client backends running a statement now, except this probe and the daemon's own sessions.
        ["postgres.active_backends"] = (SqlDialect.Postgres,
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' " +
            "AND pid <> pg_backend_pid() AND application_name NOT LIKE '" + ApplicationName + "%'"),

        // Host CPU in percent over the last 15 s, on the instance the session landed on.
        ["oracle.host_cpu"] = (SqlDialect.Oracle,
            "SELECT value FROM v$sysmetric WHERE metric_name = 'Host CPU Utilization (%)' AND " + ShortDurationGroup),

        // Average active sessions over the last 15 s, on the instance the session landed on.
        ["oracle.average_active_sessions"] = (SqlDialect.Oracle,
            "SELECT value FROM v$sysmetric WHERE metric_name = 'Average Active Sessions' AND " + ShortDurationGroup),

        // User sessions in a call now on this instance, except the daemon's own.
        ["oracle.active_sessions"] = (SqlDialect.Oracle,
            "SELECT COUNT(*) FROM v$session WHERE " + ActiveUserSessions + " AND sid <> SYS_CONTEXT('USERENV', 'SID')"),

        // RAC: the busiest instance's host CPU over the last 15 s.
        ["oracle.rac.host_cpu"] = (SqlDialect.Oracle,
            "SELECT MAX(value) FROM gv$sysmetric WHERE metric_name = 'Host CPU Utilization (%)' AND " + ShortDurationGroup),

        // RAC: average active sessions over the last 15 s, summed over the instances.
        ["oracle.rac.average_active_sessions"] = (SqlDialect.Oracle,
            "SELECT SUM(value) FROM gv$sysmetric WHERE metric_name = 'Average Active Sessions' AND " + ShortDurationGroup),

        // RAC: user sessions in a call now on every instance, except the daemon's own.
        ["oracle.rac.active_sessions"] = (SqlDialect.Oracle,
            "SELECT COUNT(*) FROM gv$session WHERE " + ActiveUserSessions +
            " AND NOT (inst_id = SYS_CONTEXT('USERENV', 'INSTANCE') AND sid = SYS_CONTEXT('USERENV', 'SID'))"),

        // Tasks waiting for a CPU on the schedulers that run user work.
        ["sqlserver.runnable_tasks"] = (SqlDialect.SqlServer,
            "SELECT COALESCE(SUM(runnable_tasks_count), 0) FROM sys.dm_os_schedulers WHERE status = 'VISIBLE ONLINE'"),

        // User requests executing now, except this probe and the daemon's own sessions.
        ["sqlserver.active_requests"] = (SqlDialect.SqlServer,
            "SELECT COUNT(*) FROM sys.dm_exec_requests r JOIN sys.dm_exec_sessions s ON s.session_id = r.session_id " +
            "WHERE s.is_user_process = 1 AND r.session_id <> @@SPID AND s.program_name NOT LIKE '" + ApplicationName + "%'"),
    };

    /// <summary>The generic kinds besides the presets.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["sql", "canary", "http"];

    /// <summary>Every accepted kind, for error messages.</summary>
    public static string Accepted => string.Join(", ", Kinds.Concat(All.Keys));

    /// <summary>The canary query of a dialect: the cheapest statement that still makes a round trip through the executor.</summary>
    public static string CanarySql(SqlDialect dialect) => dialect == SqlDialect.Oracle ? "SELECT 1 FROM dual" : "SELECT 1";
}
