using System.Text;
using Exchange.Core.Staging;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Staging;

/// <summary>The behaviour every <see cref="IBatchStore"/> must have, run against each implementation.</summary>
public abstract partial class StagingStoreContract
{
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));

    /// <summary>A new, empty, migrated store.</summary>
    protected abstract Task<TestStaging> CreateStoreAsync();

    /// <summary>Runs raw SQL against the store's database.</summary>
    protected abstract Task ExecuteAsync(TestStaging store, string sql);

    private static NewBatch Batch(string dataset, string? from, string? to, string text = "{\"a\":1}\n", BatchOrigin origin = BatchOrigin.Extracted) =>
        new(dataset, 1, "jsonl+gzip", Encoding.UTF8.GetBytes(text), new string('a', 64), from, to, origin);

    /// <summary>Appends <paramref name="count"/> extracted batches whose watermarks chain w1, w2, …</summary>
    private static async Task AppendChainAsync(TestStaging store, string dataset, int count)
    {
        string? watermark = null;
        for (var i = 1; i <= count; i++)
        {
            await store.Batches.AppendBatchAsync(Batch(dataset, watermark, $"w{i}"), default);
            watermark = $"w{i}";
        }
    }

    [Fact]
    public async Task AppendBatch_OfABackfill_NeitherChecksNorMovesTheWatermark_ButTakesTheNextSeq()
    {
        var store = await CreateStoreAsync();
        await AppendChainAsync(store, "AC01", 2);

        var header = await store.Batches.AppendBatchAsync(Batch("AC01", "range-start", "range-end", origin: BatchOrigin.Backfill), default);

        Assert.Equal(3, header.Seq);
        Assert.Equal(new DatasetState("AC01", "w2", 3), await store.Batches.GetDatasetStateAsync("AC01", default));
        Assert.Equal(4, (await store.Batches.AppendBatchAsync(Batch("AC01", "w2", "w3"), default)).Seq);
    }

    [Fact]
    public async Task RecordSchema_KeepsTheColumnsWhenGivenNone_ReplacesTheNote_AndTheStatusShowsIt()
    {
        var store = await CreateStoreAsync();
        await AppendChainAsync(store, "AC01", 1);

        await store.Batches.RecordSchemaAsync("AC01", "[{\"Name\":\"aaz223\",\"Type\":\"bigint\"}]", null, default);
        await store.Batches.RecordSchemaAsync("AC01", null, "stopped: the key column 'aaz223' changed type", default);
        await store.Batches.RecordSchemaAsync("KC24", "[]", "first run", default);

        Assert.Equal(
            new DatasetState("AC01", "w1", 1, "[{\"Name\":\"aaz223\",\"Type\":\"bigint\"}]", "stopped: the key column 'aaz223' changed type"),
            await store.Batches.GetDatasetStateAsync("AC01", default));
        Assert.Equal(new DatasetState("KC24", null, 0, "[]", "first run"), await store.Batches.GetDatasetStateAsync("KC24", default));
        var status = await store.Operations.GetDatasetStatusAsync(Clock.GetUtcNow().AddHours(-1), default);
        Assert.True(status.Single(d => d.Dataset == "AC01").Stopped);
        Assert.False(status.Single(d => d.Dataset == "KC24").Stopped);
    }

    [Fact]
    public async Task DatasetLease_IsRefusedWhileHeld_OnePerDataset_AndFreeAgainOnceReleased()
    {
        var store = await CreateStoreAsync();
        var leases = new DatasetLeases(store.Database);

        var held = await leases.TryTakeAsync("AC01", default);
        Assert.NotNull(held);
        Assert.Null(await leases.TryTakeAsync("AC01", default));
        var other = await leases.TryTakeAsync("AC02", default);
        Assert.NotNull(other);
        await other.DisposeAsync();
        await held.DisposeAsync();

        var again = await leases.TryTakeAsync("AC01", default);
        Assert.NotNull(again);
        await again.DisposeAsync();
    }

    [Fact]
    public async Task Migrate_IsIdempotent_AndRecordsTheVersion()
    {
        var store = await CreateStoreAsync();
        await store.MigrateAsync(default);
        await store.MigrateAsync(default);
        Assert.Equal(SchemaScripts.For(DialectFolder).Count, await store.GetSchemaVersionAsync(default));
    }

    [Fact]
    public async Task ReadSchemaVersion_ReadsTheVersion_AndFindsNoTableWithoutCreatingOne()
    {
        var store = await CreateStoreAsync();
        await store.MigrateAsync(default);
        Assert.Equal(store.Database.KnownSchemaVersion, await store.Database.ReadSchemaVersionAsync(default));

        await ExecuteAsync(store, "DROP TABLE schema_version");
        Assert.Equal(0, await store.Database.ReadSchemaVersionAsync(default));

        // Migrating would have created it: this read left the store as it was.
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => ExecuteAsync(store, "SELECT version FROM schema_version"));
    }

    [Fact]
    public async Task Migrate_RefusesASchemaNewerThanTheBuild_NamingBothVersions()
    {
        var store = await CreateStoreAsync();
        await ExecuteAsync(store, "INSERT INTO schema_version (version, name, applied_at) VALUES (99, '099_future.sql', '2030-01-01')");
        var error = await Assert.ThrowsAsync<StagingSchemaException>(() => store.MigrateAsync(default));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains("versions 1 to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendBatch_AssignsConsecutiveSeqPerDataset_AndMovesTheWatermark()
    {
        var store = await CreateStoreAsync();
        var first = await store.Batches.AppendBatchAsync(Batch("AC01", null, "w1"), default);
        var second = await store.Batches.AppendBatchAsync(Batch("AC01", "w1", "w2"), default);
        var other = await store.Batches.AppendBatchAsync(Batch("AC43", null, "x1"), default);

        Assert.Equal([1L, 2L, 1L], new[] { first.Seq, second.Seq, other.Seq });
        Assert.NotEqual(first.BatchId, second.BatchId);
        Assert.Equal(new DatasetState("AC01", "w2", 2), await store.Batches.GetDatasetStateAsync("AC01", default));
        Assert.Equal(new DatasetState("KC24", null, 0), await store.Batches.GetDatasetStateAsync("KC24", default));
    }

    [Fact]
    public async Task AppendBatch_RefusesAndStoresNothing_WhenTheWatermarkMoved()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(Batch("AC01", null, "w1"), default);

        var conflict = await Assert.ThrowsAsync<WatermarkConflictException>(() => store.Batches.AppendBatchAsync(Batch("AC01", null, "w1-again"), default));
        Assert.Equal("AC01", conflict.Dataset);
        Assert.Equal(new DatasetState("AC01", "w1", 1), await store.Batches.GetDatasetStateAsync("AC01", default));
        Assert.Single(await store.GetBatchHeadersAfterAsync("AC01", 0, 10, default));
    }

    [Fact]
    public async Task AppendBatch_LetsExactlyOneOfManyRacingWritersWin()
    {
        var store = await CreateStoreAsync();
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.Batches.AppendBatchAsync(Batch("AC01", null, $"w{i}"), default);
                return true;
            }
            catch (WatermarkConflictException)
            {
                return false;
            }
        }));

        var won = await Task.WhenAll(attempts);
        Assert.Equal(1, won.Count(w => w));
        Assert.Single(await store.GetBatchHeadersAfterAsync("AC01", 0, 10, default));
    }

    [Fact]
    public async Task GetBatchHeadersAfter_ReturnsLaterBatchesInSeqOrder_UpToMax()
    {
        var store = await CreateStoreAsync();
        await AppendChainAsync(store, "AC43", 5);

        var headers = await store.GetBatchHeadersAfterAsync("AC43", 2, 2, default);
        Assert.Equal([3L, 4L], headers.Select(h => h.Seq));
        Assert.All(headers, h => Assert.Equal("AC43", h.Dataset));
        Assert.Empty(await store.GetBatchHeadersAfterAsync("AC43", 5, 10, default));
    }

    [Fact]
    public async Task GetUnacknowledgedHeaders_StartsAfterTheInsurersOwnCursor_InSeqOrder_UpToTheLimit()
    {
        var store = await CreateStoreAsync();
        await AppendChainAsync(store, "AC43", 5);

        await store.Batches.AppendBatchAsync(Batch("AC01", null, "x1"), default);
        await store.Batches.AckAsync("ins-a", "AC43", 2, default);

        Assert.Equal([3L, 4L], (await store.Batches.GetUnacknowledgedHeadersAsync("ins-a", "AC43", 2, default)).Select(h => h.Seq));
        Assert.Equal([3L, 4L, 5L], (await store.Batches.GetUnacknowledgedHeadersAsync("ins-a", "AC43", 10, default)).Select(h => h.Seq));

        // Another insurer's cursor, another dataset, and the same statement asked again with other values.
        Assert.Equal([1L, 2L, 3L, 4L, 5L], (await store.Batches.GetUnacknowledgedHeadersAsync("ins-b", "AC43", 10, default)).Select(h => h.Seq));
        Assert.All(await store.Batches.GetUnacknowledgedHeadersAsync("ins-a", "AC01", 10, default), h => Assert.Equal("AC01", h.Dataset));
        await store.Batches.AckAsync("ins-a", "AC43", 5, default);
        Assert.Empty(await store.Batches.GetUnacknowledgedHeadersAsync("ins-a", "AC43", 10, default));
        Assert.Empty(await store.Batches.GetUnacknowledgedHeadersAsync("ins-a", "KC24", 10, default));
    }

    [Fact]
    public async Task GetBatch_ReturnsHeaderAndPayloadAsStored_AndNullForAnUnknownId()
    {
        var store = await CreateStoreAsync();
        var stored = await store.Batches.AppendBatchAsync(Batch("KC24", null, "w1", "{\"AAC003\":\"张三\"}\n"), default);

        var batch = await store.Batches.GetBatchAsync(stored.BatchId, default);
        Assert.NotNull(batch);
        Assert.Equal(stored, batch.Header);
        Assert.Equal(Clock.GetUtcNow(), batch.Header.CreatedAt);
        Assert.Equal("{\"AAC003\":\"张三\"}\n", Encoding.UTF8.GetString(batch.Payload));
        Assert.Null(await store.Batches.GetBatchAsync(stored.BatchId + 1000, default));
    }

    [Fact]
    public async Task Ack_MovesTheCursorForward_NeverBack_NeverPastTheLastBatch()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(Batch("AC01", null, "w1"), default);
        await store.Batches.AppendBatchAsync(Batch("AC01", "w1", "w2"), default);
        await store.Batches.AppendBatchAsync(Batch("AC01", "w2", "w3"), default);

        Assert.Equal(new AckResult(AckOutcome.Advanced, 2, 3), await store.Batches.AckAsync("ins-a", "AC01", 2, default));
        Assert.Equal(new AckResult(AckOutcome.AlreadyAcknowledged, 2, 3), await store.Batches.AckAsync("ins-a", "AC01", 1, default));
        Assert.Equal(new AckResult(AckOutcome.OutOfRange, 2, 3), await store.Batches.AckAsync("ins-a", "AC01", 4, default));
        Assert.Equal(2, await store.GetCursorAsync("ins-a", "AC01", default));
        Assert.Equal(new AckResult(AckOutcome.Advanced, 3, 3), await store.Batches.AckAsync("ins-a", "AC01", 3, default));
    }

    [Fact]
    public async Task Ack_KeepsOneCursorPerInsurerAndDataset()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(Batch("AC01", null, "w1"), default);
        await store.Batches.AppendBatchAsync(Batch("AC43", null, "x1"), default);

        await store.Batches.AckAsync("ins-a", "AC01", 1, default);
        Assert.Equal(1, await store.GetCursorAsync("ins-a", "AC01", default));
        Assert.Equal(0, await store.GetCursorAsync("ins-b", "AC01", default));
        Assert.Equal(0, await store.GetCursorAsync("ins-a", "AC43", default));
        Assert.Equal(AckOutcome.OutOfRange, (await store.Batches.AckAsync("ins-a", "KC24", 1, default)).Outcome);
    }

    [Fact]
    public async Task AppendPushedBatch_StoresOncePerKey_AndLeavesTheWatermarkAlone()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(Batch("AC01", null, "w1"), default);

        var (first, firstDuplicate) = await store.Batches.AppendPushedBatchAsync(Batch("AC01", null, null, origin: BatchOrigin.Pushed), "key-1", default);
        var (again, againDuplicate) = await store.Batches.AppendPushedBatchAsync(Batch("AC01", null, null, "different", BatchOrigin.Pushed), "key-1", default);

        Assert.False(firstDuplicate);
        Assert.True(againDuplicate);
        Assert.Equal(first, again);
        Assert.Equal(2, first.Seq);
        Assert.Equal(new DatasetState("AC01", "w1", 2), await store.Batches.GetDatasetStateAsync("AC01", default));
        Assert.Equal(2, (await store.GetBatchHeadersAfterAsync("AC01", 0, 10, default)).Count);
    }

    [Fact]
    public async Task WriteAudit_RecordsWhoDidWhatAndHowItEnded()
    {
        var store = await CreateStoreAsync();
        var entry = new AuditEntry(Clock.GetUtcNow(), "demo-insurer", "FetchBatch", "42", "UnknownBatch", "127.0.0.1");
        await store.WriteAuditAsync(entry, default);

        Assert.Equal([entry], await store.ReadAuditAsync(Clock.GetUtcNow().AddMinutes(-1), 10, default));
    }

    protected abstract string DialectFolder { get; }
}

