using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Exchange.Core.Staging;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>Reads every batch of a dataset back from a staging store, checking each payload against its header.</summary>
public static class StagedRows
{
    /// <summary>The rows of every batch of <paramref name="dataset"/>, in sequence order.</summary>
    public static async Task<List<JsonElement>> ReadAllAsync(TestStaging store, string dataset)
    {
        var rows = new List<JsonElement>();
        var after = 0L;
        while (true)
        {
            var headers = await store.GetBatchHeadersAfterAsync(dataset, after, 100, default);
            if (headers.Count == 0)
            {
                return rows;
            }

            foreach (var header in headers)
            {
                var batch = await store.Batches.GetBatchAsync(header.BatchId, default) ?? throw new InvalidOperationException($"Batch {header.BatchId} vanished.");
                var lines = Decode(batch.Payload, header);
                rows.AddRange(lines.Select(line => JsonDocument.Parse(line).RootElement.Clone()));
                after = header.Seq;
            }
        }
    }

    /// <summary>
    /// A number from a SQLite staging file that a daemon may be writing (read-only, unpooled), with <c>$d</c> bound to
    /// <paramref name="dataset"/>; 0 before the file or its schema exists.
    /// </summary>
    public static async Task<long> ScalarAsync(string stagingFile, string sql, string? dataset)
    {
        if (!File.Exists(stagingFile))
        {
            return 0;
        }

        await using var connection = new SqliteConnection($"Data Source={stagingFile};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (dataset is not null)
        {
            command.Parameters.AddWithValue("$d", dataset);
        }

        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0; // schema not created yet
        }
    }

    /// <summary>The JSON lines of a <c>jsonl+gzip</c> payload; fails when the count or the SHA-256 disagree with the header.</summary>
    public static IReadOnlyList<string> Decode(byte[] payload, BatchHeader header)
    {
        using var input = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        input.CopyTo(plain);
        var bytes = plain.ToArray();
        Assert.Equal(header.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(header.RowCount, lines.Length);
        return lines;
    }
}
