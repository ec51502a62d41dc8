using System.Globalization;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>
/// The SQL of an <c>xmin</c> dataset (PostgreSQL 13 and later): rows in key order whose writing transaction lies in a
/// window of 64-bit transaction ids, compared as 32-bit <c>xmin</c> values modulo 2^32.
/// </summary>
/// <remarks>
/// PostgreSQL cannot index <c>xmin</c>: a chunk reads the key index from the last key on and filters, so a run reads the
/// table once. Rows keep their 32-bit <c>xmin</c> when frozen, so a frozen row whose id is 2^32 transactions older than
/// a window falls inside it and is sent again (an unchanged copy of a staged row); rows are never missed that way.
/// </remarks>
public static class XminQuery
{
    /// <summary>The smallest PostgreSQL version with <c>pg_current_snapshot</c> and <c>xid8</c>.</summary>
    public const int MinimumServerMajor = 13;

    /// <summary>The widest window: beyond 2^31 transactions a 32-bit <c>xmin</c> no longer says which side of it a row lies.</summary>
    public const long MaxWindow = 1L << 31;

    /// <summary>Parameter of the last key read.</summary>
    public const string KeyParameter = "key";

    /// <summary>Parameter of the window's start, modulo 2^32.</summary>
    public const string FromParameter = "xfrom";

    /// <summary>Parameter of the window's width (a window) or of its start as <c>xid8</c> (a first pass).</summary>
    public const string SpanParameter = "xspan";

    /// <summary>Parameter of the row limit.</summary>
    public const string LimitParameter = "limit";

    /// <summary>The snapshot horizon: every transaction before it has ended, so its rows are all visible now.</summary>
    public const string SnapshotSql = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

    private const string Xid = "xmin::text::bigint";
    private const string Modulus = "4294967296";

    /// <summary>The probe that reads the chunk's column types without reading a row.</summary>
    public static string ColumnsProbe(string table, IReadOnlyList<string> columns, string keyColumn) =>
        KeysetQuery.ColumnsProbe(SqlDialect.Postgres, table, columns, keyColumn, keyColumn);

    /// <summary>One chunk: rows after the key (all keys when <paramref name="afterKey"/> is false) in the window, in key order.</summary>
    /// <param name="table">Table, optionally schema-qualified.</param>
    /// <param name="columns">Columns to read; empty reads every column. The key is added when missing.</param>
    /// <param name="keyColumn">The unique key column.</param>
    /// <param name="afterKey">True to start after <c>@key</c>.</param>
    /// <param name="firstPass">
    /// True for a dataset's first pass, which has no window start: every row except those of transactions at or after the
    /// run's horizon (<c>@xfrom</c> = horizon modulo 2^32, <c>@xspan</c> = horizon) up to the reading snapshot's xmax. A
    /// frozen row aliased into that small range is left to the next window, which covers it.
    /// </param>
    public static string Build(string table, IReadOnlyList<string> columns, string keyColumn, bool afterKey, bool firstPass)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var key = SqlDialect.Postgres.Quote(keyColumn);
        var distance = $"({Xid} - @{FromParameter} + {Modulus}) % {Modulus}";
        var inWindow = firstPass
            ? $"({Xid} < 3 OR {distance} >= (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint) - @{SpanParameter})"
            : $"{Xid} >= 3 AND {distance} < @{SpanParameter}";
        var after = afterKey ? $"{key} > @{KeyParameter} AND " : "";
        return $"SELECT {KeysetQuery.SelectList(SqlDialect.Postgres, columns, key, key)} FROM {SqlDialect.Postgres.Quote(table)} WHERE {after}{inWindow} ORDER BY {key} LIMIT @{LimitParameter}";
    }

    /// <summary>The 32-bit start of a window, as <c>@xfrom</c> takes it.</summary>
    public static long Low32(long xid8) => xid8 & 0xFFFF_FFFFL;

    /// <summary>The server's major version from <c>DbConnection.ServerVersion</c> (<c>15.4</c>, <c>13.12 (Debian …)</c>).</summary>
    public static int ServerMajor(string serverVersion)
    {
        ArgumentNullException.ThrowIfNull(serverVersion);
        var digits = new string(serverVersion.TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;
    }
}
