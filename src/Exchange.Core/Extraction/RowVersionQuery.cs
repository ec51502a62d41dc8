using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>
/// SQL Server's analogue of the <c>xmin</c> watermark: a <c>rowversion</c> column, bounded by <c>MIN_ACTIVE_ROWVERSION()</c>
/// (every value below it belongs to a transaction that has ended). Values are unique per database and can be indexed, so
/// the column alone is the keyset.
/// </summary>
public static class RowVersionQuery
{
    /// <summary>Parameter of the last row version read.</summary>
    public const string AfterParameter = "after";

    /// <summary>Parameter of the run's bound (exclusive).</summary>
    public const string UpperParameter = "upper";

    /// <summary>Parameter of the row limit.</summary>
    public const string LimitParameter = "limit";

    /// <summary>The run's plan: the source's now (UTC) and the bound, as a <c>bigint</c>.</summary>
    public const string PlanSql = "SELECT SYSUTCDATETIME() AS source_now, CAST(MIN_ACTIVE_ROWVERSION() AS bigint) AS upper";

    /// <summary>One chunk: rows whose row version lies after <c>@after</c> (unless first) and below <c>@upper</c>, in row-version order.</summary>
    /// <remarks>The version is read back as <c>bigint</c> (result column <c>exchange_rowversion</c>) for the watermark; <c>binary(8)</c> compares as the number does.</remarks>
    public static string Build(string table, IReadOnlyList<string> columns, string rowVersionColumn, bool hasLowerBound)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var version = SqlDialect.SqlServer.Quote(rowVersionColumn);
        var list = columns.Count == 0 ? "*" : string.Join(", ", columns.Select(c => SqlDialect.SqlServer.Quote(c)));
        var after = hasLowerBound ? $"{version} > CAST(@{AfterParameter} AS binary(8)) AND " : "";
        return $"SELECT TOP (@{LimitParameter}) {list}, CAST({version} AS bigint) AS [exchange_rowversion] FROM {SqlDialect.SqlServer.Quote(table)} " +
            $"WHERE {after}{version} < CAST(@{UpperParameter} AS binary(8)) ORDER BY {version}";
    }
}
