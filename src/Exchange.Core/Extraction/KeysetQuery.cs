using System.Text;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>
/// The keyset query of a table dataset: rows after the watermark (timestamp, key) and not newer than the upper bound,
/// in watermark order, at most <c>limit</c> rows.
/// </summary>
/// <remarks>
/// The row limit is a parameter, not a literal, so that a changing chunk size reuses one statement (and one plan on
/// Oracle and SQL Server). The redundant <c>ts &gt;= @ts</c> gives every planner a range seek on the (ts, key) index;
/// PostgreSQL gets the row comparison <c>(ts, key) &gt; (@ts, @key)</c> instead (see <see cref="AfterWatermark"/>).
/// </remarks>
public sealed record KeysetQuery(SqlDialect Dialect, string Sql, bool HasLowerBound)
{
    /// <summary>Parameter name of the watermark timestamp.</summary>
    public const string TimestampParameter = "ts";

    /// <summary>Parameter name of the watermark key.</summary>
    public const string KeyParameter = "key";

    /// <summary>Parameter name of the upper bound (now minus the safety lag).</summary>
    public const string UpperParameter = "upper";

    /// <summary>Parameter name of the row limit.</summary>
    public const string LimitParameter = "limit";

    /// <summary>Writes the query for a dialect.</summary>
    /// <param name="dialect">The source's dialect.</param>
    /// <param name="table">Table, optionally schema-qualified.</param>
    /// <param name="columns">Columns to read; empty reads every column. The watermark columns are added when missing.</param>
    /// <param name="timestampColumn">The update-timestamp column.</param>
    /// <param name="keyColumn">The unique key column.</param>
    /// <param name="hasLowerBound">False for the first run of a dataset (no watermark yet).</param>
    /// <param name="rowLimit">Oracle before 12c: <see cref="RowLimitSyntax.OracleRownum"/>.</param>
    /// <exception cref="ArgumentException">A name is not a plain identifier.</exception>
    public static KeysetQuery Build(
        SqlDialect dialect, string table, IReadOnlyList<string> columns, string timestampColumn, string keyColumn, bool hasLowerBound,
        RowLimitSyntax rowLimit = RowLimitSyntax.Standard)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var ts = dialect.Quote(timestampColumn);
        var key = dialect.Quote(keyColumn);
        var p = dialect.ParameterPrefix();

        var selectList = SelectList(dialect, columns, ts, key);

        var sql = new StringBuilder("SELECT ");
        if (dialect == SqlDialect.SqlServer)
        {
            sql.Append($"TOP ({p}{LimitParameter}) ");
        }

        sql.Append($"{selectList} FROM {dialect.Quote(table)} WHERE ");
        if (hasLowerBound)
        {
            sql.Append(AfterWatermark(dialect, ts, key)).Append(" AND ");
        }

        sql.Append($"{ts} <= {p}{UpperParameter} ORDER BY {ts}, {key}");
        // SQL Server's TOP is in the SELECT already.
        return new KeysetQuery(dialect, dialect == SqlDialect.SqlServer ? sql.ToString() : Limit(dialect, sql.ToString(), rowLimit), hasLowerBound);
    }

    /// <summary>The condition "after the watermark (ts, key)", per dialect.</summary>
    /// <remarks>
    /// The range seek of <c>ts &gt;= @ts</c> starts at the watermark's timestamp, so every row stamped with it up to the
    /// watermark's key is fetched and filtered out again: each chunk re-read the rows sharing its predecessor's last
    /// timestamp (all the rows of a source transaction that stamps them with its start). PostgreSQL's B-tree takes the row
    /// comparison as the start of the index scan itself, so the scan starts just after the watermark. Oracle and SQL Server
    /// have no row comparison.
    /// </remarks>
    private static string AfterWatermark(SqlDialect dialect, string ts, string key)
    {
        var p = dialect.ParameterPrefix();
        return dialect == SqlDialect.Postgres
            ? $"({ts}, {key}) > ({p}{TimestampParameter}, {p}{KeyParameter})"
            : $"{ts} >= {p}{TimestampParameter} AND ({ts} > {p}{TimestampParameter} OR ({ts} = {p}{TimestampParameter} AND {key} > {p}{KeyParameter}))";
    }

    // The ordered query with its row limit: LIMIT, FETCH FIRST (Oracle 12c+), ROWNUM around it (Oracle 11g), or OFFSET/FETCH
    // (SQL Server, for a custom query, which TOP cannot be put into).
    internal static string Limit(SqlDialect dialect, string ordered, RowLimitSyntax rowLimit) => (dialect, rowLimit) switch
    {
        (SqlDialect.Oracle, RowLimitSyntax.OracleRownum) => $"SELECT * FROM ({ordered}) WHERE ROWNUM <= :{LimitParameter}",
        (SqlDialect.Oracle, _) => $"{ordered} FETCH FIRST :{LimitParameter} ROWS ONLY",
        (SqlDialect.SqlServer, _) => $"{ordered} OFFSET 0 ROWS FETCH NEXT @{LimitParameter} ROWS ONLY",
        _ => $"{ordered} LIMIT @{LimitParameter}",
    };

    /// <summary>
    /// The walk of a table's keys for delete reconciliation: the key column alone (nothing else is read), after the
    /// parameter <c>key</c>, in key order, at most <c>limit</c> rows; a range read of the key's index.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a plain identifier.</exception>
    public static string BuildKeys(SqlDialect dialect, string table, string keyColumn, bool hasLowerBound, RowLimitSyntax rowLimit = RowLimitSyntax.Standard)
    {
        var key = dialect.Quote(keyColumn);
        var p = dialect.ParameterPrefix();
        var top = dialect == SqlDialect.SqlServer ? $"TOP ({p}{LimitParameter}) " : "";
        var where = hasLowerBound ? $" WHERE {key} > {p}{KeyParameter}" : "";
        var ordered = $"SELECT {top}{key} FROM {dialect.Quote(table)}{where} ORDER BY {key}";
        return dialect == SqlDialect.SqlServer ? ordered : Limit(dialect, ordered, rowLimit);
    }

    /// <summary>The placeholder a custom query must contain where the watermark condition goes.</summary>
    public const string KeysetPlaceholder = "{keyset}";

    /// <summary>
    /// Completes a custom query: <c>{keyset}</c> becomes the watermark condition (with the named parameters
    /// <c>ts</c>, <c>key</c>, <c>upper</c>), and the watermark order and the row limit are appended.
    /// </summary>
    /// <param name="dialect">The source's dialect.</param>
    /// <param name="query">A SELECT with <c>{keyset}</c> in its WHERE clause and no ORDER BY or row limit of its own.</param>
    /// <param name="timestampColumn">The update-timestamp column, qualified as the query needs it (<c>a.AAE036</c>).</param>
    /// <param name="keyColumn">The unique key column, qualified as the query needs it.</param>
    /// <param name="hasLowerBound">False for the first run of a dataset (no watermark yet).</param>
    /// <param name="rowLimit">Oracle before 12c: <see cref="RowLimitSyntax.OracleRownum"/>.</param>
    /// <exception cref="ArgumentException">The query does not contain <c>{keyset}</c> exactly once, or a column is not a plain identifier.</exception>
    public static KeysetQuery BuildCustom(
        SqlDialect dialect, string query, string timestampColumn, string keyColumn, bool hasLowerBound, RowLimitSyntax rowLimit = RowLimitSyntax.Standard)
    {
        ArgumentNullException.ThrowIfNull(query);
        var at = query.IndexOf(KeysetPlaceholder, StringComparison.Ordinal);
        if (at < 0 || query.IndexOf(KeysetPlaceholder, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw new ArgumentException($"A custom query must contain the placeholder {KeysetPlaceholder} exactly once (where the watermark condition goes).", nameof(query));
        }

        var ts = dialect.Quote(timestampColumn);
        var key = dialect.Quote(keyColumn);
        var p = dialect.ParameterPrefix();
        var condition = new StringBuilder("(");
        if (hasLowerBound)
        {
            condition.Append(AfterWatermark(dialect, ts, key)).Append(" AND ");
        }

        condition.Append($"{ts} <= {p}{UpperParameter})");
        var sql = new StringBuilder(query.Trim().TrimEnd(';').Replace(KeysetPlaceholder, condition.ToString(), StringComparison.Ordinal));
        sql.Append($" ORDER BY {ts}, {key}");
        return new KeysetQuery(dialect, Limit(dialect, sql.ToString(), rowLimit), hasLowerBound);
    }

    /// <summary>The custom query with a condition that reads no row, to learn the result's column types.</summary>
    public static string CustomColumnsProbe(string query) =>
        query.Trim().TrimEnd(';').Replace(KeysetPlaceholder, "(1 = 0)", StringComparison.Ordinal);

    /// <summary>The column name a reader reports for a possibly qualified column (<c>a.AAE036</c> → <c>AAE036</c>).</summary>
    public static string ResultName(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column[(column.LastIndexOf('.') + 1)..];
    }

    /// <summary>
    /// The probe that reads the column types of <see cref="Build"/>'s result (same columns, same order) without reading a row.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a plain identifier.</exception>
    public static string ColumnsProbe(SqlDialect dialect, string table, IReadOnlyList<string> columns, string timestampColumn, string keyColumn)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return $"SELECT {SelectList(dialect, columns, dialect.Quote(timestampColumn), dialect.Quote(keyColumn))} FROM {dialect.Quote(table)} WHERE 1 = 0";
    }

    /// <summary>Every column, or the listed ones with the (quoted) watermark columns added when missing.</summary>
    internal static string SelectList(SqlDialect dialect, IReadOnlyList<string> columns, string ts, string key)
    {
        if (columns.Count == 0)
        {
            return "*";
        }

        var list = columns.Select(c => dialect.Quote(c)).ToList();
        foreach (var required in new[] { ts, key })
        {
            if (!list.Contains(required, StringComparer.OrdinalIgnoreCase))
            {
                list.Add(required);
            }
        }

        return string.Join(", ", list);
    }
}
