using System.Data.Common;
using System.Text.RegularExpressions;

namespace Exchange.Core.Sources;

/// <summary>
/// Reduces a connection string to <c>server@database</c> for logs and status pages: never a user, never a password.
/// </summary>
public static partial class ConnectionStringDescriber
{
    private static readonly string[] ServerKeys = ["host", "server", "address", "addr", "network address"];
    private static readonly string[] DatabaseKeys = ["database", "initial catalog"];

    /// <summary>The <c>server@database</c> description; <c>?</c> for a part the string does not name.</summary>
    public static string Describe(SqlDialect dialect, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "(empty connection string)";
        }

        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            return "(unparseable connection string)";
        }

        var dataSource = Get(builder, "data source") ?? Get(builder, "datasource") ?? Get(builder, "filename");
        return dialect switch
        {
            SqlDialect.Sqlite => "sqlite@" + (dataSource is null ? "?" : Path.GetFileName(dataSource)),
            SqlDialect.Oracle => DescribeOracle(dataSource),
            _ => $"{ServerOf(dataSource ?? First(builder, ServerKeys))}@{First(builder, DatabaseKeys) ?? "?"}",
        };
    }

    /// <summary>
    /// Where a connection goes, for connection errors: <c>host:port</c> (the driver's default port when none is named),
    /// <c>host\instance</c> for a named SQL Server instance, <c>TNS alias X</c>, or the SQLite file. Never a user or a password.
    /// </summary>
    public static string Endpoint(SqlDialect dialect, string? connectionString)
    {
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString ?? "";
        }
        catch (ArgumentException)
        {
            return "(unparseable connection string)";
        }

        var dataSource = Get(builder, "data source") ?? Get(builder, "datasource");
        switch (dialect)
        {
            case SqlDialect.Sqlite:
                return dataSource ?? Get(builder, "filename") ?? "?";
            case SqlDialect.Oracle:
                return OracleEndpoint(dataSource);
            case SqlDialect.SqlServer:
                var server = dataSource ?? First(builder, ServerKeys) ?? "?";
                server = server.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? server[4..] : server;
                var comma = server.IndexOf(',', StringComparison.Ordinal);
                return comma >= 0 ? $"{server[..comma]}:{server[(comma + 1)..].Trim()}"
                    : server.Contains('\\', StringComparison.Ordinal) ? server : server + ":1433";
            default:
                var host = First(builder, ServerKeys) ?? "localhost";
                return host.Contains(':', StringComparison.Ordinal) || host.Contains(',', StringComparison.Ordinal)
                    ? host
                    : $"{host}:{Get(builder, "port") ?? "5432"}";
        }
    }

    private static string OracleEndpoint(string? dataSource)
    {
        if (string.IsNullOrEmpty(dataSource))
        {
            return "?";
        }

        if (dataSource.Contains('(', StringComparison.Ordinal))
        {
            var host = OracleHost().Match(dataSource);
            var port = OraclePort().Match(dataSource);
            return $"{(host.Success ? host.Groups[1].Value : "?")}:{(port.Success ? port.Groups[1].Value : "1521")}";
        }

        var text = dataSource.TrimStart('/');
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 && !text.Contains(':', StringComparison.Ordinal))
        {
            return "TNS alias " + text;
        }

        var hostPart = slash < 0 ? text : text[..slash];
        return hostPart.Contains(':', StringComparison.Ordinal) ? hostPart : hostPart + ":1521";
    }

    private static string ServerOf(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "?";
        }

        // SQL Server: tcp:host,port or host\instance; keep the host and instance.
        var server = value.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? value[4..] : value;
        var comma = server.IndexOf(',', StringComparison.Ordinal);
        return comma >= 0 ? server[..comma] : server;
    }

    private static string DescribeOracle(string? dataSource)
    {
        if (string.IsNullOrEmpty(dataSource))
        {
            return "?@?";
        }

        if (dataSource.Contains('(', StringComparison.Ordinal))
        {
            var host = OracleHost().Match(dataSource);
            var service = OracleService().Match(dataSource);
            return $"{(host.Success ? host.Groups[1].Value : "?")}@{(service.Success ? service.Groups[2].Value : "?")}";
        }

        // Easy Connect: [//]host[:port][/service]; otherwise a TNS alias.
        var text = dataSource.TrimStart('/');
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return "tns@" + text;
        }

        var hostPart = text[..slash];
        var colon = hostPart.IndexOf(':', StringComparison.Ordinal);
        return $"{(colon >= 0 ? hostPart[..colon] : hostPart)}@{text[(slash + 1)..]}";
    }

    private static string? First(DbConnectionStringBuilder builder, string[] keys)
    {
        foreach (var key in keys)
        {
            if (Get(builder, key) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    private static string? Get(DbConnectionStringBuilder builder, string key) =>
        builder.TryGetValue(key, out var value) && value is not null && value.ToString() is { Length: > 0 } text ? text : null;

    [GeneratedRegex(@"HOST\s*=\s*([^)\s]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OracleHost();

    [GeneratedRegex(@"PORT\s*=\s*(\d+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OraclePort();

    [GeneratedRegex(@"(SERVICE_NAME|SID)\s*=\s*([^)\s]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OracleService();
}
