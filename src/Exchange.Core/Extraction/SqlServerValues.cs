using System.Data.Common;
using System.Data.SqlTypes;

namespace Exchange.Core.Extraction;

/// <summary>
/// How each SQL Server type comes out in the payload, keyed by the type SqlClient reports as the column's
/// provider-specific type. Types not listed go through <see cref="DbDataReader.GetValue"/> and <see cref="JsonCell"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>decimal</c>/<c>numeric</c> up to (38, x): the exact digits and scale of <see cref="SqlDecimal"/>, as a JSON
/// number (<c>GetValue</c> throws beyond <see cref="decimal"/>'s 28 to 29 digits).</item>
/// <item><c>datetime2</c>, <c>datetime</c>, <c>smalldatetime</c>, <c>date</c>: wall-clock time in the source's offset, to 100 ns.</item>
/// <item><c>datetimeoffset</c>: with its own offset.</item>
/// <item><c>uniqueidentifier</c>: the GUID's text.</item>
/// <item><c>varbinary(max)</c>, <c>binary</c>, <c>rowversion</c>: streamed as base64.</item>
/// </list>
/// </remarks>
internal static class SqlServerValues
{
    /// <summary>The table: provider-specific type → the column buffer that reads and writes it.</summary>
    public static IReadOnlyDictionary<Type, Func<int, ColumnBuffer>> Table { get; } = new Dictionary<Type, Func<int, ColumnBuffer>>
    {
        [typeof(SqlDecimal)] = capacity => new ColumnBuffer<SqlDecimal>(
            capacity, static (r, i) => (SqlDecimal)r.GetProviderSpecificValue(i), static (json, v, _) => JsonCell.WriteNumberText(json, v.ToString()), box: BoxNumber),
        [typeof(DateTime)] = capacity => ColumnBuffers.Typed(typeof(DateTime), capacity),
        [typeof(SqlDateTime)] = capacity => ColumnBuffers.Typed(typeof(DateTime), capacity),
        [typeof(DateTimeOffset)] = capacity => ColumnBuffers.Typed(typeof(DateTimeOffset), capacity),
        [typeof(SqlGuid)] = capacity => ColumnBuffers.Typed(typeof(Guid), capacity),
        [typeof(SqlBinary)] = capacity => new StreamedColumnBuffer(capacity, binary: true),
    };

    private static object BoxNumber(SqlDecimal value)
    {
        try
        {
            return value.Value;
        }
        catch (OverflowException)
        {
            return value.ToString();
        }
    }
}
