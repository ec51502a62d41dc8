using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;

namespace Exchange.Core.Extraction;

/// <summary>One column of a dataset's source, as the source's reader reports it.</summary>
public sealed record SourceColumn(string Name, string Type);

/// <summary>The columns a dataset's source has now: read without reading a row, stored as text with the dataset's state.</summary>
public static class SourceColumns
{
    private static readonly JsonSerializerOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The probe that lists the columns: every column of the table (so a new one is seen even when the dataset reads a
    /// list of them), or the custom query's result.
    /// </summary>
    public static string Probe(SqlDialect dialect, DatasetOptions dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return string.IsNullOrWhiteSpace(dataset.Query)
            ? $"SELECT * FROM {dialect.Quote(dataset.Table!)} WHERE 1 = 0"
            : KeysetQuery.CustomColumnsProbe(dataset.Query);
    }

    /// <summary>Reads the columns with <see cref="Probe"/> on the run's connection; no row is read.</summary>
    public static async Task<IReadOnlyList<SourceColumn>> ReadAsync(DbConnection connection, SqlDialect dialect, DatasetOptions dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = Probe(dialect, dataset);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var columns = new List<SourceColumn>(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            columns.Add(new SourceColumn(reader.GetName(i), reader.GetDataTypeName(i)));
        }

        return columns;
    }

    /// <summary>The stored text form: a JSON array of <c>{"Name","Type"}</c>.</summary>
    public static string ToText(IReadOnlyList<SourceColumn> columns) => JsonSerializer.Serialize(columns, TextOptions);

    /// <summary>Reads <see cref="ToText"/>'s form; null for null or text this build cannot read (treated as no previous columns).</summary>
    public static IReadOnlyList<SourceColumn>? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<List<SourceColumn>>(text, TextOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
