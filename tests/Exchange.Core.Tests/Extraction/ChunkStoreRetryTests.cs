using Dapper;
using Exchange.Core.Extraction;
using Exchange.Core.Staging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.Core.Tests.Extraction;

/// <summary>The retry around a real SQLite staging store, made to fail by a trigger; the test drives the clock.</summary>
public sealed class ChunkStoreRetryTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider _logs = new();
    private readonly TestStaging _store;

    public ChunkStoreRetryTests() => _store = TestStaging.Sqlite($"Data Source={_folder.File("staging.db")}", _time);

    [Fact]
    public async Task StoreAsync_RetriesWithDoublingWaits_AndStoresTheSameBatchOnce_WhenTheStoreRecovers()
    {
        await RefuseBatchesAsync();
        var retry = Retry(new StoreRetrySettings(6, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30)));

        var storing = StoreAsync(retry, watermarkFrom: null);
        await UntilLoggedAsync("retry 1 of 6 in 1 s");
        _time.Advance(TimeSpan.FromSeconds(1));
        await UntilLoggedAsync("retry 2 of 6 in 2 s");
        Assert.False(storing.IsCompleted);

        await AllowBatchesAsync();
        _time.Advance(TimeSpan.FromSeconds(2));
        var header = await storing;

        Assert.Equal(1, header.Seq);
        Assert.Equal(1, (await _store.Batches.GetDatasetStateAsync("T", default)).LastSeq);
        Assert.Null(retry.Resting("T"));
    }

    [Fact]
    public async Task StoreAsync_ThrowsAfterTheLastRetry_AndRestsTheDataset_LongerAfterEachFailureInARow_UntilAStoreSucceeds()
    {
        await RefuseBatchesAsync();
        var retry = Retry(new StoreRetrySettings(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30)));

        await FailForGoodAsync(retry);
        var first = retry.Resting("T");
        Assert.Equal((1, _time.GetUtcNow() + TimeSpan.FromMinutes(1)), (first?.Failures, first?.Until));
        Assert.Contains("refused by the test", first!.Reason, StringComparison.Ordinal);
        Assert.Contains(_logs.Lines, line => line.StartsWith("Error", StringComparison.Ordinal) && line.Contains("storing a chunk failed 2 times", StringComparison.Ordinal));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(retry.Resting("T"));
        await FailForGoodAsync(retry);
        Assert.Equal((2, _time.GetUtcNow() + TimeSpan.FromMinutes(2)), (retry.Resting("T")?.Failures, retry.Resting("T")?.Until));

        _time.Advance(TimeSpan.FromMinutes(2));
        await AllowBatchesAsync();
        await StoreAsync(retry, watermarkFrom: null);
        await RefuseBatchesAsync();
        await FailForGoodAsync(retry, watermarkFrom: "w1");
        Assert.Equal(1, retry.Resting("T")?.Failures);
        Assert.Equal("w1", retry.Resting("T")?.Watermark);
    }

    [Fact]
    public async Task StoreAsync_DoesNotRetryAWatermarkConflict_NorRestTheDataset()
    {
        var retry = Retry(StoreRetrySettings.Default);

        await Assert.ThrowsAsync<WatermarkConflictException>(() => StoreAsync(retry, watermarkFrom: "not the stored watermark"));

        Assert.DoesNotContain(_logs.Lines, line => line.Contains("retry", StringComparison.Ordinal));
        Assert.Null(retry.Resting("T"));
    }

    [Fact]
    public async Task StoreAsync_DoesNotRetryAKeyIndexConflict_NorRestTheDataset()
    {
        var retry = Retry(StoreRetrySettings.Default);
        var attempts = 0;

        await Assert.ThrowsAsync<Exchange.Core.Deletes.KeyIndexConflictException>(() => retry.StoreAsync<int>("T", null, _ =>
        {
            attempts++;
            throw new Exchange.Core.Deletes.KeyIndexConflictException("key staged again");
        }, default));

        Assert.Equal(1, attempts);
        Assert.Null(retry.Resting("T"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _logs.Dispose();
        _folder.Dispose();
    }

    private ChunkStoreRetry Retry(StoreRetrySettings settings) => new(_time, _logs.CreateLogger<ChunkStoreRetry>(), settings);

    private async Task FailForGoodAsync(ChunkStoreRetry retry, string? watermarkFrom = null)
    {
        var retries = _logs.Lines.Count(line => line.Contains("retry 1 of", StringComparison.Ordinal));
        var storing = StoreAsync(retry, watermarkFrom);
        await UntilLoggedAsync("retry 1 of", retries + 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<SqliteException>(() => storing);
    }

    private async Task<BatchHeader> StoreAsync(ChunkStoreRetry retry, string? watermarkFrom)
    {
        await _store.MigrateAsync(default);
        var batch = new NewBatch("T", 1, "jsonl+gzip", [1, 2, 3], new string('a', 64), watermarkFrom, watermarkFrom is null ? "w1" : "w2", BatchOrigin.Extracted);
        return await retry.StoreAsync("T", watermarkFrom, token => new ValueTask<BatchHeader>(_store.Batches.AppendBatchAsync(batch, token)), default);
    }

    private async Task RefuseBatchesAsync()
    {
        await _store.MigrateAsync(default);
        await ExecuteAsync("CREATE TRIGGER refuse BEFORE INSERT ON batches BEGIN SELECT RAISE(ABORT, 'batch refused by the test'); END");
    }

    private Task AllowBatchesAsync() => ExecuteAsync("DROP TRIGGER refuse");

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_folder.File("staging.db")}");
        await connection.ExecuteAsync(sql);
    }

    /// <summary>Waits until <paramref name="count"/> log lines contain <paramref name="text"/>: the retry is then waiting for the clock.</summary>
    private async Task UntilLoggedAsync(string text, int count = 1)
    {
        for (var attempt = 0; _logs.Lines.Count(line => line.Contains(text, StringComparison.Ordinal)) < count; attempt++)
        {
            Assert.True(attempt < 3000, $"no log line with '{text}' after 30 s: {string.Join(" | ", _logs.Lines)}");
            await Task.Delay(10);
        }
    }
}
