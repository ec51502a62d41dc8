using System.Data.Common;
using System.Text.RegularExpressions;
using Oracle.ManagedDataAccess.Client;

namespace Exchange.Core.Sources;

/// <summary>The SQL dialect of a source or staging database.</summary>
public enum SqlDialect
{
    Sqlite = 0,
    Postgres = 1,
    Oracle = 2,
    SqlServer = 3,
}

/// <summary>How a statement limits its rows, where a dialect has more than one way.</summary>
public enum RowLimitSyntax
{
    /// <summary><c>LIMIT</c> (SQLite, PostgreSQL), <c>TOP</c> (SQL Server), <c>FETCH FIRST</c> (Oracle 12c and later).</summary>
    Standard = 0,

    /// <summary>Oracle before 12c: <c>ROWNUM</c> around the ordered query.</summary>
    OracleRownum = 1,
}

/// <summary>Identifier quoting and parameter naming per dialect.</summary>
public static partial class SqlDialects
{
    /// <summary>
    /// Quotes a configured identifier for the dialect. A dotted name (<c>SICP3.AC01</c>) is quoted part by part.
    /// </summary>
    /// <remarks>
    /// Quoted identifiers are case-sensitive in Oracle and PostgreSQL: configure names as the database stores them
    /// (Oracle folds unquoted names to upper case, PostgreSQL to lower case). Oracle and SQL Server take names of up to
    /// 128 characters (Oracle before 12.2: 30 bytes), PostgreSQL 63.
    /// </remarks>
    /// <exception cref="ArgumentException">A part is not a plain identifier <c>[A-Za-z_][A-Za-z0-9_$#]*</c>, or is too long for the dialect.</exception>
    public static string Quote(this SqlDialect dialect, string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var parts = identifier.Split('.');
        var longest = dialect == SqlDialect.Postgres ? 63 : 128;
        for (var i = 0; i < parts.Length; i++)
        {
            if (!PlainIdentifier().IsMatch(parts[i]))
            {
                throw new ArgumentException(
                    $"'{identifier}' is not a plain SQL identifier: each dot-separated part must match [A-Za-z_][A-Za-z0-9_$#]*.",
                    nameof(identifier));
            }

            if (parts[i].Length > longest)
            {
                throw new ArgumentException(
                    $"'{parts[i]}' has {parts[i].Length} characters; {dialect} names have at most {longest}.", nameof(identifier));
            }

            parts[i] = dialect == SqlDialect.SqlServer ? $"[{parts[i]}]" : $"\"{parts[i]}\"";
        }

        return string.Join('.', parts);
    }

    /// <summary>
    /// The row-limit syntax for a server: <see cref="RowLimitSyntax.OracleRownum"/> for Oracle before 12c (whose
    /// <c>ServerVersion</c> starts with 11 or less), <see cref="RowLimitSyntax.Standard"/> otherwise.
    /// </summary>
    public static RowLimitSyntax RowLimitFor(SqlDialect dialect, string? serverVersion)
    {
        if (dialect != SqlDialect.Oracle || string.IsNullOrEmpty(serverVersion))
        {
            return RowLimitSyntax.Standard;
        }

        var dot = serverVersion.IndexOf('.', StringComparison.Ordinal);
        var major = dot < 0 ? serverVersion : serverVersion[..dot];
        return int.TryParse(major, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version < 12
            ? RowLimitSyntax.OracleRownum
            : RowLimitSyntax.Standard;
    }

    /// <summary>True when the value is a plain identifier (one part, no dots).</summary>
    public static bool IsPlainIdentifier(string? value) => value is not null && PlainIdentifier().IsMatch(value);

    /// <summary>The prefix of a named parameter in SQL text: <c>:</c> for Oracle, <c>@</c> elsewhere.</summary>
    public static char ParameterPrefix(this SqlDialect dialect) => dialect == SqlDialect.Oracle ? ':' : '@';

    /// <summary>A named parameter as it appears in SQL text, for example <c>@ts</c> or <c>:ts</c>.</summary>
    public static string Parameter(this SqlDialect dialect, string name) => dialect.ParameterPrefix() + name;

    /// <summary>Adds a named parameter to the command, with the name spelled the way the dialect's provider expects.</summary>
    /// <remarks>
    /// On SQL Server a <see cref="DateTime"/> is sent as <c>datetime2</c>: SqlClient would infer the old <c>datetime</c>,
    /// rounded to 1/300 s, and a watermark compared at that precision repeats or skips rows. (ODP.NET infers
    /// <c>TIMESTAMP</c>, which keeps the fraction.)
    /// </remarks>
    public static DbParameter AddParameter(this DbCommand command, SqlDialect dialect, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = dialect == SqlDialect.Oracle ? name : "@" + name;
        parameter.Value = value ?? DBNull.Value;
        if (dialect == SqlDialect.SqlServer && value is DateTime)
        {
            parameter.DbType = System.Data.DbType.DateTime2;
        }

        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>
    /// Adds a watermark timestamp parameter bound as the column's own type where the provider would infer another: an
    /// Oracle <c>DATE</c> column (ODP.NET type name <c>Date</c>) compared with the <c>TIMESTAMP</c> ODP.NET infers for a
    /// <see cref="DateTime"/> is converted row by row, and the (timestamp, key) index is not used for the range.
    /// </summary>
    public static DbParameter AddTimestampParameter(this DbCommand command, SqlDialect dialect, string name, object? value, string columnTypeName)
    {
        var parameter = command.AddParameter(dialect, name, value);
        if (parameter is OracleParameter oracle && value is DateTime && string.Equals(columnTypeName, "Date", StringComparison.OrdinalIgnoreCase))
        {
            oracle.OracleDbType = OracleDbType.Date;
        }

        return parameter;
    }

    /// <summary>
    /// Prepares a command for named parameters: ODP.NET binds by position unless <c>BindByName</c> is set, and a
    /// parameter used twice in the text would then be bound wrongly.
    /// </summary>
    public static void UseNamedParameters(this DbCommand command, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (dialect == SqlDialect.Oracle && command is OracleCommand oracle)
        {
            oracle.BindByName = true;
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$#]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainIdentifier();
}
