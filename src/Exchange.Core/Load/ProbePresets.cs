using Exchange.Core.Sources;

namespace Exchange.Core.Load;

/// <summary>Ready-made SQL probes per dialect. The daemon's own sessions are left out where the database can tell them apart.</summary>
public static class ProbePresets
{
    /// <summary>The application name the daemon gives its source sessions, so that probes can leave them out.</summary>
    public const string ApplicationName = "exchange";

    /// <summary>The presets by name: the dialect they run on and their query.</summary>
    public static IReadOnlyDictionary<string, (SqlDialect Dialect, string Sql)> All { get; } = new Dictionary<string, (SqlDialect, string)>(StringComparer.Ordinal)
    {
        // Client backends running a statement now, except this probe and the daemon's own sessions.
        ["postgres.active_backends"] = (SqlDialect.Postgres,
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' " +
            "AND pid <> pg_backend_pid() AND application_name NOT LIKE '" + ApplicationName + "%'"),

        // Host CPU in percent over the last 15 s (group 2 is the 15-second metric group).
        ["oracle.host_cpu"] = (SqlDialect.Oracle,
            "SELECT value FROM v$sysmetric WHERE metric_name = 'Host CPU Utilization (%)' AND group_id = 2"),

        // Average active sessions over the last 15 s.
        ["oracle.average_active_sessions"] = (SqlDialect.Oracle,
            "SELECT value FROM v$sysmetric WHERE metric_name = 'Average Active Sessions' AND group_id = 2"),

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
