namespace Exchange.Core.Configuration;

/// <summary><c>config/schedule.json</c>: what is extracted, when, and how.</summary>
public sealed class ScheduleOptions
{
    public List<DatasetOptions> Datasets { get; set; } = [];

    /// <summary>Function codes insurers may submit requests for, and the request worker's settings.</summary>
    public Requests.RequestTypesOptions RequestTypes { get; set; } = new();
}

/// <summary>One dataset: a source table (or custom query) read in keyset chunks over a composite watermark.</summary>
public sealed class DatasetOptions
{
    /// <summary>Dataset name as insurers see it, for example <c>AC43</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Source name (a key of <see cref="ExchangeOptions.Sources"/>).</summary>
    public string Source { get; set; } = "";

    /// <summary>Quartz cron expression (seconds first), for example <c>0/10 * * * * ?</c>.</summary>
    public string Cron { get; set; } = "";

    /// <summary>Source table; the daemon writes the keyset query for the source's dialect.</summary>
    public string? Table { get; set; }

    /// <summary>Columns to read; empty reads every column.</summary>
    public List<string> Columns { get; set; } = [];

    /// <summary>Custom query instead of <see cref="Table"/>, with named placeholders (see the extraction docs).</summary>
    public string? Query { get; set; }

    /// <summary>The update-timestamp column: first part of the composite watermark.</summary>
    public string TimestampColumn { get; set; } = "";

    /// <summary>The unique key column: second part of the composite watermark.</summary>
    public string KeyColumn { get; set; } = "";

    /// <summary>Rows per chunk.</summary>
    public int ChunkRows { get; set; } = 1000;

    /// <summary>Rows newer than now minus this lag are left for a later run, so transactions still committing are not skipped.</summary>
    public TimeSpan SafetyLag { get; set; } = TimeSpan.FromSeconds(5);
}
