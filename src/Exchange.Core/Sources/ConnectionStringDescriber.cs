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

    [GeneratedRegex(@"(SERVICE_NAME|SID)\s*=\s*([^)\s]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OracleService();
}
