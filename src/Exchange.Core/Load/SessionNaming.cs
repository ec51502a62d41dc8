using System.Data.Common;
using Exchange.Core.Sources;

namespace Exchange.Core.Load;

/// <summary>Names the daemon's source sessions so that load probes can leave them out of what they count.</summary>
public static class SessionNaming
{
    /// <summary>Adds <c>Application Name=exchange</c> to a PostgreSQL or SQL Server connection string that names no application.</summary>
    public static string Apply(SqlDialect dialect, string connectionString)
    {
        if (dialect is not (SqlDialect.Postgres or SqlDialect.SqlServer) || string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (builder.ContainsKey("Application Name") || builder.ContainsKey("ApplicationName") || builder.ContainsKey("App"))
        {
            return connectionString;
        }

        builder["Application Name"] = ProbePresets.ApplicationName;
        return builder.ConnectionString;
    }
}
