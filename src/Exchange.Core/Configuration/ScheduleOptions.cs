namespace Exchange.Core.Configuration;

/// <summary><c>config/schedule.json</c>: what is extracted, when, and how.</summary>
public sealed class ScheduleOptions
{
    public List<DatasetOptions> Datasets { get; set; } = [];

    /// <summary>Load probes, thresholds, windows and pause files per source.</summary>
    public Load.LoadOptions Load { get; set; } = new();

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

    /// <summary>Custom query instead of <see cref="Table"/>; it must contain the placeholder <c>{keyset}</c> where the daemon puts the watermark condition.</summary>
    public string? Query { get; set; }

    /// <summary>The update-timestamp column: first part of the composite watermark.</summary>
    public string TimestampColumn { get; set; } = "";

    /// <summary>The unique key column: second part of the composite watermark.</summary>
    public string KeyColumn { get; set; } = "";

    /// <summary>Rows of the first chunk of a run; later chunks adapt towards <see cref="TargetChunkTime"/>.</summary>
    public int ChunkRows { get; set; } = 1000;

    /// <summary>Time one chunk should take, from one gate check to the next (its read, and any wait for the previous chunk's store); zero keeps <see cref="ChunkRows"/> fixed.</summary>
    public TimeSpan TargetChunkTime { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most rows in one chunk (bounds memory: a chunk is compressed in memory before it is stored).</summary>
    public int MaxChunkRows { get; set; } = 20_000;

    /// <summary>Rows newer than the source's now minus this lag are left for a later run, so transactions still committing are not skipped.</summary>
    public TimeSpan SafetyLag { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// What the watermark follows: <c>timestamp</c> (the default: <see cref="TimestampColumn"/> and <see cref="KeyColumn"/>) or,
    /// on PostgreSQL 13 and later, <c>xmin</c> (the transaction id that wrote each row, with <see cref="KeyColumn"/>).
    /// </summary>
    public string Watermark { get; set; } = WatermarkModes.Timestamp;

    /// <summary>
    /// <c>Required</c> (the default): a timestamp run also stops before the start of the oldest transaction open at the source, and is
    /// refused when that cannot be read. <c>SafetyLagOnly</c>: the safety lag alone, which loses the rows of a transaction open
    /// longer than the lag (shown as a risk on the status page).
    /// </summary>
    public string CommitHorizon { get; set; } = CommitHorizonModes.Required;

    /// <summary>An open transaction older than this is reported (log, status page, metrics) as blocking the dataset; the dataset keeps waiting for it.</summary>
    public TimeSpan MaxHorizonAge { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// <c>Off</c> (the default): deletions at the source are not seen. <c>Reconcile</c>: the dataset keeps an index of the keys
    /// it staged, and while the gate is idle the daemon walks the source's keys and stages a tombstone for each staged key
    /// that no longer exists (needs <see cref="Table"/>).
    /// </summary>
    public string Deletes { get; set; } = DeleteModes.Off;

    /// <summary>With <c>"Deletes": "Reconcile"</c>: the least time from the end of one reconciliation pass to the start of the next.</summary>
    public TimeSpan ReconcileEvery { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Values of <see cref="DatasetOptions.Deletes"/>.</summary>
public static class DeleteModes
{
    /// <summary>Deletions at the source are not looked for.</summary>
    public const string Off = "Off";

    /// <summary>Staged keys missing at the source become tombstones.</summary>
    public const string Reconcile = "Reconcile";

    /// <summary>True for <see cref="Reconcile"/>, in any letter case.</summary>
    public static bool IsReconcile(string? mode) => string.Equals(mode, Reconcile, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for a value the engine knows.</summary>
    public static bool IsKnown(string? mode) => IsReconcile(mode) || string.Equals(mode, Off, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Values of <see cref="DatasetOptions.Watermark"/>.</summary>
public static class WatermarkModes
{
    /// <summary>The composite (update timestamp, key) watermark.</summary>
    public const string Timestamp = "timestamp";

    /// <summary>PostgreSQL's row transaction id, bounded by the snapshot's xmin: exact, independent of clocks.</summary>
    public const string Xmin = "xmin";

    /// <summary>True for <see cref="Xmin"/>, in any letter case.</summary>
    public static bool IsXmin(string? mode) => string.Equals(mode, Xmin, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for a value the engine knows.</summary>
    public static bool IsKnown(string? mode) => IsXmin(mode) || string.Equals(mode, Timestamp, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Values of <see cref="DatasetOptions.CommitHorizon"/>.</summary>
public static class CommitHorizonModes
{
    /// <summary>The run reads the source's commit horizon and is refused when it cannot.</summary>
    public const string Required = "Required";

    /// <summary>The dataset relies on the safety lag alone (an explicit, displayed risk).</summary>
    public const string SafetyLagOnly = "SafetyLagOnly";

    /// <summary>True for <see cref="SafetyLagOnly"/>, in any letter case.</summary>
    public static bool IsSafetyLagOnly(string? mode) => string.Equals(mode, SafetyLagOnly, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for a value the engine knows.</summary>
    public static bool IsKnown(string? mode) => IsSafetyLagOnly(mode) || string.Equals(mode, Required, StringComparison.OrdinalIgnoreCase);
}
