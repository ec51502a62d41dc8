using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Exchange.Core.Configuration;
using Exchange.Core.Diagnostics;
using Exchange.Core.Extraction;
using Exchange.IntegrationTests.Infrastructure;
using Npgsql;

namespace Exchange.IntegrationTests.Extraction;

/// <summary>
/// Schema drift on a real PostgreSQL source: a new, a removed and a retyped column each give the log line, the metric and
/// the status-page note; a retyped key column stops the dataset until the columns are right again or the watermark is reset.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaDriftExtractionTests(PostgresCluster cluster) : IDisposable
{
    private readonly TempDirectory _folder = new("exchange-drift");
    private readonly CapturingLoggerProvider _logs = new();

    [PostgresFact]
    public async Task AddedColumn_IsLoggedOnce_Counted_AndShownOnTheStatusPage_AndItsValuesAreShipped()
    {
        var (engine, staging, source, dataset) = await PrepareAsync("DRIFTADD");
        using var drift = new DriftCounter(dataset.Name);

        await ExecuteAsync(source, "ALTER TABLE ac43 ADD COLUMN aac003 text; UPDATE ac43 SET aac003 = '张三', aae036 = aae036 + interval '1 day' WHERE aaz223 = 7;");
        var run = await engine.RunAsync(dataset, default);
        await engine.RunAsync(dataset, default);

        Assert.Equal(ExtractionStopReason.CaughtUp, run.StopReason);
        Assert.Equal(1, run.Rows);
        var logged = Assert.Single(_logs.Lines, l => l.Contains("the source's columns changed", StringComparison.Ordinal));
        Assert.StartsWith("Warning", logged, StringComparison.Ordinal);
        Assert.Contains("column(s) added: aac003 (text)", logged, StringComparison.Ordinal);
        Assert.Equal(1, drift.Of(SchemaDrift.ColumnAdded));
        var status = Assert.Single(await staging.Operations.GetDatasetStatusAsync(DateTimeOffset.UnixEpoch, default), d => d.Dataset == dataset.Name);
        Assert.False(status.Stopped);
        Assert.Contains("column(s) added: aac003 (text)", status.SchemaNote, StringComparison.Ordinal);
        var shipped = (await StagedRows.ReadAllAsync(staging, dataset.Name)).Last();
        Assert.Equal("张三", shipped.GetProperty("aac003").GetString());
    }

    [PostgresFact]
    public async Task RemovedColumn_IsLoggedOnce_Counted_AndShownOnTheStatusPage()
    {
        var (engine, staging, source, dataset) = await PrepareAsync("DRIFTDROP");
        using var drift = new DriftCounter(dataset.Name);

        await ExecuteAsync(source, "ALTER TABLE ac43 DROP COLUMN aae022;");
        Assert.Equal(ExtractionStopReason.CaughtUp, (await engine.RunAsync(dataset, default)).StopReason);
        Assert.Equal(ExtractionStopReason.CaughtUp, (await engine.RunAsync(dataset, default)).StopReason);

        var logged = Assert.Single(_logs.Lines, l => l.Contains("the source's columns changed", StringComparison.Ordinal));
        Assert.Contains("column(s) removed: aae022 (numeric", logged, StringComparison.Ordinal);
        Assert.Equal(1, drift.Of(SchemaDrift.ColumnRemoved));
        var status = Assert.Single(await staging.Operations.GetDatasetStatusAsync(DateTimeOffset.UnixEpoch, default), d => d.Dataset == dataset.Name);
        Assert.Contains("column(s) removed: aae022", status.SchemaNote, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task RetypedKeyColumn_StopsTheDataset_NamingTheColumn_UntilTheWatermarkIsReset()
    {
        var (engine, staging, source, dataset) = await PrepareAsync("DRIFTKEY");
        using var drift = new DriftCounter(dataset.Name);
        var watermark = (await staging.Batches.GetDatasetStateAsync(dataset.Name, default)).Watermark;

        await ExecuteAsync(source, """
            ALTER TABLE ac43 ALTER COLUMN aaz223 TYPE text USING 'K' || aaz223;
            INSERT INTO ac43 VALUES ('K999', 1, 1.00, timestamp '2026-11-05 08:00:00');
            """);
        var first = await engine.RunAsync(dataset, default);
        var second = await engine.RunAsync(dataset, default);

        Assert.Equal(ExtractionStopReason.SchemaChanged, first.StopReason);
        Assert.Equal(ExtractionStopReason.SchemaChanged, second.StopReason);
        Assert.Equal(0, first.Rows + second.Rows);
        Assert.Contains("the key column 'aaz223' of dataset 'DRIFTKEY' changed type from bigint to text", first.Detail, StringComparison.Ordinal);
        var logged = Assert.Single(_logs.Lines, l => l.Contains("Dataset DRIFTKEY stopped:", StringComparison.Ordinal));
        Assert.StartsWith("Error", logged, StringComparison.Ordinal);
        Assert.Contains("'aaz223'", logged, StringComparison.Ordinal);
        Assert.Equal(1, drift.Of(SchemaDrift.WatermarkColumn));
        var status = Assert.Single(await staging.Operations.GetDatasetStatusAsync(DateTimeOffset.UnixEpoch, default), d => d.Dataset == dataset.Name);
        Assert.True(status.Stopped);
        Assert.Contains("'aaz223'", status.SchemaNote, StringComparison.Ordinal);
        Assert.Equal(watermark, (await staging.Batches.GetDatasetStateAsync(dataset.Name, default)).Watermark);

        // The operator chooses where it restarts: rows stamped after 2026-11-01 08:00:10 (+08:00), keys now text.
        await staging.Operations.ResetWatermarkAsync(dataset.Name, current => WatermarkResets.MoveBack(dataset, current, "2026-11-01T08:00:10+08:00", TimeSpan.FromHours(8)), "operator:test", default);
        var resumed = await engine.RunAsync(dataset, default);

        Assert.Equal(ExtractionStopReason.CaughtUp, resumed.StopReason);
        Assert.Equal(300 - 54 + 1, resumed.Rows); // rows 55..300 are stamped after 08:00:10, and the new K999
        var after = Assert.Single(await staging.Operations.GetDatasetStatusAsync(DateTimeOffset.UnixEpoch, default), d => d.Dataset == dataset.Name);
        Assert.Null(after.SchemaNote);
    }

    public void Dispose()
    {
        _logs.Dispose();
        _folder.Dispose();
    }

    private async Task<(ExtractionEngine Engine, TestStaging Staging, string Source, DatasetOptions Dataset)> PrepareAsync(string name)
    {
        var source = await cluster.CreateDatabaseAsync("drift");
        await PostgresSourceConfig.CreateTableAsync(source, 300);
        var (engine, staging) = PostgresSourceEngine.Create(source, _folder.File("staging.db"), _logs.CreateLogger<ExtractionEngine>());
        var dataset = new DatasetOptions
        {
            Name = name, Source = "prod", Cron = "0 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
            ChunkRows = 100, TargetChunkTime = TimeSpan.Zero, SafetyLag = TimeSpan.FromSeconds(1),
        };
        var first = await engine.RunAsync(dataset, default);
        Assert.Equal(300, first.Rows);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("columns changed", StringComparison.Ordinal) || l.Contains("stopped", StringComparison.Ordinal));
        return (engine, staging, source, dataset);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Counts <c>exchange_extraction_schema_drift_total</c> of one dataset, by kind, as a metrics exporter sees it.</summary>
    private sealed class DriftCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _byKind = new(StringComparer.Ordinal);

        public DriftCounter(string dataset)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ExchangeMetrics.MeterName && instrument.Name == "extraction.schema_drift.total")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? kind = null;
                var ours = false;
                foreach (var tag in tags)
                {
                    ours |= tag.Key == "dataset" && Equals(tag.Value, dataset);
                    kind = tag.Key == "kind" ? tag.Value as string : kind;
                }

                if (ours && kind is not null)
                {
                    _byKind.AddOrUpdate(kind, value, (_, sum) => sum + value);
                }
            });
            _listener.Start();
        }

        public long Of(string kind) => _byKind.GetValueOrDefault(kind);

        public void Dispose() => _listener.Dispose();
    }
}
