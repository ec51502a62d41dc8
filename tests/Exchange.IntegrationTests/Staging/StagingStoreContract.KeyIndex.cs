using System.Text;
using Exchange.Core.Deletes;
using Exchange.Core.Staging;

namespace Exchange.IntegrationTests.Staging;

/// <summary>The key index of <c>"Deletes": "Reconcile"</c>, on each staging store.</summary>
public abstract partial class StagingStoreContract
{
    private static NewBatch KeyedBatch(string dataset, string? from, string? to, KeyIndexChange keys, BatchOrigin origin = BatchOrigin.Extracted) =>
        new(dataset, 1, "jsonl+gzip", Encoding.UTF8.GetBytes("{}\n"), new string('a', 64), from, to, origin, keys);

    [Fact]
    public async Task AppendBatch_IndexesItsKeysInItsTransaction_AndAKeyStagedAgainKeepsItsId()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", null, "w1", new(Staged: ["1", "2", "\"张三\""])), default);
        var before = await store.Keys.FindAsync("AC43", ["1", "2", "\"张三\""], default);

        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", "w1", "w2", new(Staged: ["2", "4"])), default);
        await Assert.ThrowsAsync<WatermarkConflictException>(() => store.Batches.AppendBatchAsync(KeyedBatch("AC43", "w1", "w3", new(Staged: ["99"])), default));

        Assert.Equal(4, await store.Keys.CountAsync("AC43", default));
        Assert.Equal(0, await store.Keys.CountAsync("AC01", default));
        Assert.Equal(before.Order(), (await store.Keys.FindAsync("AC43", ["1", "2", "\"张三\"", "99", "3"], default)).Order());
    }

    [Fact]
    public async Task Pass_JudgesTheKeysStagedBeforeItBegan_AndATombstoneBatchRemovesThemOnce()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", null, "w1", new(Staged: ["1", "2", "3"])), default);
        Assert.Null(await store.Keys.GetPassAsync("AC43", default));

        var pass = await store.Keys.StartPassAsync("AC43", default);
        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", "w1", "w2", new(Staged: ["3", "4"])), default);

        // Key 3 was staged again and key 4 is new since the pass began: only 1 and 2 are judged.
        var judged = await store.Keys.ReadJudgedAsync(pass, pass.FirstKeyId - 1, 10, default);
        Assert.Equal(["1", "2"], judged.Select(k => k.KeyJson));
        Assert.Equal(1, pass.StartSeq);

        var tombstone = KeyedBatch("AC43", "w2", "w2", new(Removed: [judged[0].KeyId], RemovedStagedUpTo: pass.StartSeq), BatchOrigin.Reconciled);
        var header = await store.Batches.AppendBatchAsync(tombstone, default);
        Assert.Equal(3, header.Seq);
        Assert.Equal(3, await store.Keys.CountAsync("AC43", default));

        // Removing it again, or removing a key staged after the pass began, stores nothing.
        await Assert.ThrowsAsync<KeyIndexConflictException>(() => store.Batches.AppendBatchAsync(tombstone, default));
        var three = (await store.Keys.FindAsync("AC43", ["3"], default))[0];
        await Assert.ThrowsAsync<KeyIndexConflictException>(() => store.Batches.AppendBatchAsync(tombstone with { Keys = new(Removed: [three], RemovedStagedUpTo: pass.StartSeq) }, default));
        Assert.Equal(3, (await store.Batches.GetDatasetStateAsync("AC43", default)).LastSeq);
        Assert.Equal(3, await store.Keys.CountAsync("AC43", default));
    }

    [Fact]
    public async Task Pass_KeepsItsProgressUntilFinished_AndANewPassStartsAfresh()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", null, "w1", new(Staged: ["1", "2"])), default);
        var pass = await store.Keys.StartPassAsync("AC43", default);
        Assert.Equal(pass.FirstKeyId + 1, pass.LastKeyId);

        await store.Keys.SaveProgressAsync("AC43", KeyPosition.ToText(1L), [0b01], default);
        var saved = await store.Keys.GetPassAsync("AC43", default);
        Assert.Equal(KeyPosition.ToText(1L), saved!.AfterKey);
        Assert.Equal([(byte)0b01], saved.Seen!);
        Assert.Null(saved.FinishedAt);
        Assert.Equal(Clock.GetUtcNow(), saved.StartedAt);

        Clock.Advance(TimeSpan.FromMinutes(5));
        await store.Keys.FinishPassAsync("AC43", 1, default);
        var finished = await store.Keys.GetPassAsync("AC43", default);
        Assert.Equal(Clock.GetUtcNow(), finished!.FinishedAt);
        Assert.Equal(1, finished.Deleted);
        Assert.Null(finished.Seen);

        var next = await store.Keys.StartPassAsync("AC43", default);
        Assert.Equal(next, await store.Keys.GetPassAsync("AC43", default));
        Assert.Null(next.AfterKey);
    }

    [Fact]
    public async Task StartPass_OfAnEmptyIndex_JudgesNothing()
    {
        var store = await CreateStoreAsync();
        var pass = await store.Keys.StartPassAsync("AC43", default);
        Assert.True(pass.LastKeyId < pass.FirstKeyId);
        Assert.Empty(await store.Keys.ReadJudgedAsync(pass, pass.FirstKeyId - 1, 10, default));
        Assert.Empty(await store.Keys.FindAsync("AC43", ["1"], default));
    }

    [Fact]
    public async Task ResetWatermark_OfADatasetStoppedForItsKeyColumn_ForgetsItsKeyIndexAndPass_InTheSameTransaction()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", null, "w1", new(Staged: ["1234567", "2"])), default);
        await store.Batches.AppendBatchAsync(KeyedBatch("AC01", null, "w1", new(Staged: ["1234567"])), default);
        await store.Keys.StartPassAsync("AC43", default);
        await store.Batches.RecordSchemaAsync("AC43", "[{\"Name\":\"aaz223\",\"Type\":\"bigint\"}]", null, default);
        await store.Batches.RecordSchemaAsync("AC43", null, "stopped: the key column 'aaz223' of dataset 'AC43' changed type from bigint to text (source 'prod', table ac43)", default);

        var (_, after, forgotten) = await store.Operations.ResetWatermarkAsync("AC43", _ => "w0", "operator:test", default);

        Assert.True(forgotten);
        Assert.Equal("w0", after);
        Assert.Equal(0, await store.Keys.CountAsync("AC43", default));
        Assert.Null(await store.Keys.GetPassAsync("AC43", default));
        Assert.Equal(1, await store.Keys.CountAsync("AC01", default));
        Assert.Contains("key index forgotten", Assert.Single(await store.ReadAuditAsync(DateTimeOffset.UnixEpoch, 10, default), a => a.Operation == "ResetWatermark").ObjectId, StringComparison.Ordinal);

        // Re-extraction indexes the keys anew, and a new pass judges only them.
        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", "w0", "w1", new(Staged: ["\"1234567\""])), default);
        var pass = await store.Keys.StartPassAsync("AC43", default);
        Assert.Equal(["\"1234567\""], (await store.Keys.ReadJudgedAsync(pass, pass.FirstKeyId - 1, 10, default)).Select(k => k.KeyJson));
    }

    [Fact]
    public async Task ResetWatermark_OfADatasetNotStoppedForItsKeyColumn_KeepsItsKeyIndex()
    {
        var store = await CreateStoreAsync();
        await store.Batches.AppendBatchAsync(KeyedBatch("AC43", null, "w1", new(Staged: ["1", "2"])), default);
        await store.Batches.RecordSchemaAsync("AC43", null, "stopped: the watermark column 'aae036' of dataset 'AC43' changed type from timestamp to text (source 'prod', table ac43)", default);

        var (_, _, forgotten) = await store.Operations.ResetWatermarkAsync("AC43", _ => "w0", "operator:test", default);

        Assert.False(forgotten);
        Assert.Equal(2, await store.Keys.CountAsync("AC43", default));
    }
}
