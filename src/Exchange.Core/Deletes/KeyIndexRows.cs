using System.Data.Common;
using System.Text.Json;
using Exchange.Core.Staging;

namespace Exchange.Core.Deletes;

/// <summary>
/// Writes a batch's change to its dataset's key index (<c>staged_keys</c>) in the batch's own transaction, so the index
/// holds a key exactly while a staged upsert of it is the latest word insurers have.
/// </summary>
internal static class KeyIndexRows
{
    /// <summary>Applies <paramref name="change"/> (nothing when null) for the batch <paramref name="seq"/> of <paramref name="dataset"/>.</summary>
    /// <exception cref="KeyIndexConflictException">A key to remove was staged again after the pass that found it missing began.</exception>
    public static async Task ApplyAsync(
        StagingSession session, DbTransaction transaction, StagingDatabase database, string dataset, KeyIndexChange? change, long seq, CancellationToken cancellationToken)
    {
        if (change?.Staged is { Count: > 0 } staged)
        {
            var keys = JsonList(staged);
            if (database.ConflictSpendsIdentity)
            {
                // Existing keys first, then the new ones: an INSERT … ON CONFLICT would spend an identity value per existing
                // key, and the ids are what a reconciliation pass keeps one bit each for.
                await session.ExecuteAsync(
                    $"UPDATE staged_keys SET seq = @seq WHERE dataset = @dataset AND key_json IN ({database.JsonTextValues("keys")})",
                    transaction, cancellationToken, ("seq", seq), ("dataset", dataset), ("keys", keys)).ConfigureAwait(false);
                await session.ExecuteAsync(
                    $"""
                    INSERT INTO staged_keys (dataset, key_json, seq)
                    SELECT DISTINCT @dataset, k.value, @seq FROM ({database.JsonTextValues("keys")}) AS k
                    WHERE NOT EXISTS (SELECT 1 FROM staged_keys s WHERE s.dataset = @dataset AND s.key_json = k.value)
                    """,
                    transaction, cancellationToken, ("dataset", dataset), ("seq", seq), ("keys", keys)).ConfigureAwait(false);
            }
            else
            {
                // One statement: half the cost per key of the two above (SQLite keeps a row's id on conflict).
                await session.ExecuteAsync(
                    $"""
                    INSERT INTO staged_keys (dataset, key_json, seq) SELECT @dataset, k.value, @seq FROM ({database.JsonTextValues("keys")}) AS k WHERE true
                    ON CONFLICT (dataset, key_json) DO UPDATE SET seq = excluded.seq
                    """,
                    transaction, cancellationToken, ("dataset", dataset), ("seq", seq), ("keys", keys)).ConfigureAwait(false);
            }
        }

        if (change?.Removed is { Count: > 0 } removed)
        {
            var deleted = await session.ExecuteAsync(
                $"DELETE FROM staged_keys WHERE dataset = @dataset AND seq <= @upTo AND key_id IN (SELECT CAST(value AS BIGINT) FROM ({database.JsonTextValues("ids")}) AS i)",
                transaction, cancellationToken, ("dataset", dataset), ("upTo", change.RemovedStagedUpTo), ("ids", JsonList(removed.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture))))).ConfigureAwait(false);
            if (deleted != removed.Count)
            {
                throw new KeyIndexConflictException(
                    $"Dataset '{dataset}': {removed.Count - deleted} of the {removed.Count} keys to tombstone were staged again (or removed) after batch {change.RemovedStagedUpTo}; " +
                    "nothing was stored, the next reconciliation pass judges them again.");
            }
        }
    }

    /// <summary>A JSON array of strings, the one parameter a list travels in.</summary>
    internal static string JsonList(IEnumerable<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>A tombstone batch would remove a key that was staged again meanwhile; nothing was stored.</summary>
public sealed class KeyIndexConflictException(string message) : Exception(message);
