using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;
using Oracle.ManagedDataAccess.Client;

namespace Exchange.Core.Sources;

/// <summary>Turns a driver's connection failure into a message an operator can act on.</summary>
public static partial class DriverErrors
{
    /// <summary>
    /// The failure of opening <paramref name="source"/> as a <see cref="SourceConnectionException"/>: the source, where it
    /// went, the driver's code and message, and what to check. The password of <paramref name="connectionString"/> is
    /// masked should the driver's message ever echo it.
    /// </summary>
    public static SourceConnectionException Describe(string source, SqlDialect dialect, string connectionString, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var endpoint = ConnectionStringDescriber.Endpoint(dialect, connectionString);
        var code = CodeOf(error);
        var driverMessage = FirstLine(error.Message);
        var message = $"Cannot connect to source '{source}' ({Provider(dialect)} at {endpoint}): {code}: {driverMessage}. {Advice(dialect, code, endpoint)}";
        return new SourceConnectionException(source, endpoint, code, Mask(message, connectionString), error);
    }

    /// <summary>The driver's own code: <c>ORA-01017</c>, <c>SQL Server error 0 (TCP Provider, error: 35)</c>, <c>SQLSTATE 28P01</c>, <c>socket ConnectionRefused</c>, <c>SQLite error 14</c>.</summary>
    public static string CodeOf(Exception error) => error switch
    {
        OracleException oracle => $"ORA-{oracle.Number:D5}",
        SqlException sql => ProviderError().Match(sql.Message) is { Success: true } provider
            ? $"SQL Server error {sql.Number} ({provider.Groups[1].Value}, error: {provider.Groups[2].Value})"
            : $"SQL Server error {sql.Number}",
        PostgresException postgres => "SQLSTATE " + postgres.SqlState,
        NpgsqlException { InnerException: SocketException socket } => "socket " + socket.SocketErrorCode,
        SocketException socket => "socket " + socket.SocketErrorCode,
        NpgsqlException { InnerException: TimeoutException } or TimeoutException => "timeout",
        SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode}",
        _ => error.GetType().Name,
    };

    /// <summary>What to check for a failure with this code.</summary>
    public static string Advice(SqlDialect dialect, string code, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(code);
        return (dialect, code) switch
        {
            (SqlDialect.Oracle, "ORA-01017") => "Check the user name and password of the source's connection string.",
            (SqlDialect.Oracle, "ORA-28000") => "The account is locked: ask the DBA to unlock it (ALTER USER … ACCOUNT UNLOCK).",
            (SqlDialect.Oracle, "ORA-12514") => "The listener does not know the service name: check the service name in Data Source (lsnrctl services lists the known ones).",
            (SqlDialect.Oracle, "ORA-12154") => $"The Data Source cannot be resolved: check the host name in {endpoint} (DNS), or for a TNS alias that TNS_ADMIN points to a tnsnames.ora that defines it.",
            (SqlDialect.Oracle, _) => $"Check that an Oracle listener runs at {endpoint}, that the firewall lets this machine reach it, and the service name in Data Source.",
            (SqlDialect.SqlServer, _) when code.StartsWith("SQL Server error 18456", StringComparison.Ordinal) =>
                "Login failed: check the user name and password, and that the login may connect to this database.",
            (SqlDialect.SqlServer, _) when code.StartsWith("SQL Server error 4060", StringComparison.Ordinal) =>
                "The database cannot be opened: check Initial Catalog, and that the login is a user of that database.",
            (SqlDialect.SqlServer, _) when code.StartsWith("SQL Server error 11001", StringComparison.Ordinal) =>
                $"The host name in {endpoint} cannot be resolved: check the name (DNS) or use the address.",
            (SqlDialect.SqlServer, _) =>
                $"Check that SQL Server listens on TCP at {endpoint} (a named instance also needs the SQL Browser, UDP 1434), and that the firewall lets this machine reach it.",
            (SqlDialect.Postgres, "SQLSTATE 28P01" or "SQLSTATE 28000") => "Check the user name and password, and that pg_hba.conf admits this machine for that user and database.",
            (SqlDialect.Postgres, "SQLSTATE 3D000") => "The database does not exist: check Database in the connection string.",
            (SqlDialect.Postgres, _) => $"Check that PostgreSQL listens at {endpoint} (listen_addresses, port), that pg_hba.conf admits this machine, and that the firewall lets it through.",
            _ => $"Check that {endpoint} exists and that the service account may read and write it.",
        };
    }

    private static string Provider(SqlDialect dialect) => dialect switch
    {
        SqlDialect.Oracle => "oracle",
        SqlDialect.SqlServer => "sqlserver",
        SqlDialect.Postgres => "postgres",
        _ => "sqlite",
    };

    private static string FirstLine(string message)
    {
        var line = message.AsSpan().Trim();
        var newline = line.IndexOfAny('\r', '\n');
        return (newline < 0 ? line : line[..newline]).TrimEnd('.').ToString();
    }

    // A password that a driver might echo is masked; very short ones are left, as masking them would garble the text.
    private static string Mask(string message, string connectionString)
    {
        var builder = new System.Data.Common.DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            return message;
        }

        foreach (var key in new[] { "password", "pwd" })
        {
            if (builder.TryGetValue(key, out var value) && value?.ToString() is { Length: >= 3 } password)
            {
                message = message.Replace(password, "***", StringComparison.Ordinal);
            }
        }

        return message;
    }

    [GeneratedRegex(@"\(provider: ([^,]+), error: (-?\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderError();
}
