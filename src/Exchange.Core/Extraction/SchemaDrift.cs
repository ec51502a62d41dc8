using Exchange.Core.Configuration;

namespace Exchange.Core.Extraction;

/// <summary>A column whose type changed between two runs.</summary>
public sealed record RetypedColumn(string Name, string From, string To);

/// <summary>
/// How a dataset's source columns differ from those it was last extracted with. <see cref="Stop"/> is set when a
/// watermark or key column is missing or changed its type: reading on would compare values of another type (or none) with
/// the stored watermark, so the dataset stops instead.
/// </summary>
public sealed record SchemaDrift(IReadOnlyList<SourceColumn> Added, IReadOnlyList<SourceColumn> Removed, IReadOnlyList<RetypedColumn> Retyped, string? Stop)
{
    /// <summary>The start of a stored note that says the dataset is stopped.</summary>
    public const string StoppedPrefix = "stopped: ";

    private const string KeyRole = "key";

    /// <summary>Metric label of a new column.</summary>
    public const string ColumnAdded = "column_added";

    /// <summary>Metric label of a removed column.</summary>
    public const string ColumnRemoved = "column_removed";

    /// <summary>Metric label of a column whose type changed.</summary>
    public const string TypeChanged = "type_changed";

    /// <summary>Metric label of a missing or retyped watermark or key column (the dataset stops).</summary>
    public const string WatermarkColumn = "watermark_column";

    /// <summary>
    /// Whether a stored note says the dataset stopped because its key column is missing or changed type: the keys it
    /// extracts from now on are written differently (<c>1234567</c> becomes <c>"1234567"</c>), so the key index of the
    /// old ones no longer matches them.
    /// </summary>
    public static bool StoppedForKeyColumn(string? note) =>
        note?.StartsWith(StoppedPrefix + "the " + KeyRole + " column ", StringComparison.Ordinal) == true;

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Retyped.Count == 0 && Stop is null;

    /// <summary>Compares the columns now with those stored (null before the first run: only the watermark columns are checked).</summary>
    public static SchemaDrift Compare(IReadOnlyList<SourceColumn>? previous, IReadOnlyList<SourceColumn> current, DatasetOptions dataset)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(dataset);
        var now = current.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var before = (previous ?? current).ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var added = current.Where(c => !before.ContainsKey(c.Name)).ToList();
        var removed = (previous ?? []).Where(c => !now.ContainsKey(c.Name)).ToList();
        var retyped = current.Where(c => before.TryGetValue(c.Name, out var was) && !string.Equals(was.Type, c.Type, StringComparison.Ordinal))
            .Select(c => new RetypedColumn(c.Name, before[c.Name].Type, c.Type)).ToList();

        string? stop = null;
        foreach (var (role, column) in WatermarkColumns(dataset))
        {
            var name = KeysetQuery.ResultName(column);
            if (!now.ContainsKey(name))
            {
                stop = $"the {role} column '{name}' of dataset '{dataset.Name}' is missing from its source ({Where(dataset)}; columns now: {string.Join(", ", current.Select(c => c.Name))})";
                break;
            }

            if (retyped.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)) is { } changed)
            {
                stop = $"the {role} column '{name}' of dataset '{dataset.Name}' changed type from {changed.From} to {changed.To} ({Where(dataset)})";
                break;
            }
        }

        return new SchemaDrift(added, removed, retyped, stop is null ? null
            : stop + ". The dataset is stopped rather than extracted wrongly: fix the source or schedule.json, then choose where it restarts with 'exchange reset-watermark " + dataset.Name + " --to <time>'");
    }

    /// <summary>The change in words, for the log and the status page (without the stop, which has its own message).</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Added.Count > 0)
        {
            parts.Add("column(s) added: " + string.Join(", ", Added.Select(c => $"{c.Name} ({c.Type})")));
        }

        if (Removed.Count > 0)
        {
            parts.Add("column(s) removed: " + string.Join(", ", Removed.Select(c => $"{c.Name} ({c.Type})")));
        }

        if (Retyped.Count > 0)
        {
            parts.Add("type changed: " + string.Join(", ", Retyped.Select(c => $"{c.Name} {c.From} -> {c.To}")));
        }

        return string.Join("; ", parts);
    }

    private static IEnumerable<(string Role, string Column)> WatermarkColumns(DatasetOptions dataset)
    {
        if (!WatermarkModes.IsXmin(dataset.Watermark) && !string.IsNullOrWhiteSpace(dataset.TimestampColumn))
        {
            yield return ("watermark", dataset.TimestampColumn);
        }

        yield return (KeyRole, dataset.KeyColumn);
    }

    private static string Where(DatasetOptions dataset) =>
        string.IsNullOrWhiteSpace(dataset.Query) ? $"source '{dataset.Source}', table {dataset.Table}" : $"source '{dataset.Source}', custom query";
}
