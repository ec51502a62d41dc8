using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Exchange.Core.Audit;
using Exchange.Core.Security;
using Exchange.Core.Staging;

namespace Exchange.Core.Delivery;

/// <summary>
/// Stores batches the social-security side pushes (<c>PushBatch</c>): for <c>source</c> principals only, into the datasets
/// they are allowed, once per <c>BatchKey</c>, and only after the payload was checked to be gzip of JSON Lines objects.
/// </summary>
public sealed class PushService
{
    /// <summary>The only payload format accepted.</summary>
    public const string Format = "jsonl+gzip";

    /// <summary>Largest uncompressed payload accepted, so a small gzip bomb cannot fill memory.</summary>
    public const long MaxUncompressedBytes = 256L * 1024 * 1024;

    private readonly IBatchStore _store;

    /// <summary>Creates the service over <paramref name="store"/>.</summary>
    public PushService(IBatchStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Checks and stores a pushed batch; a repeated <paramref name="batchKey"/> with the same payload returns the first batch.</summary>
    /// <exception cref="ExchangeFaultException"><c>Forbidden</c> for a non-source principal or a dataset it may not push to;
    /// <c>InvalidRequest</c> for another format, a payload that is not gzip of JSON Lines objects, or a key reused with another payload.</exception>
    public async Task<(BatchHeader Header, bool Duplicate)> PushAsync(
        Principal principal, string dataset, string batchKey, string format, byte[] payload, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(batchKey);
        ArgumentNullException.ThrowIfNull(payload);
        if (principal.Role != PrincipalRole.Source)
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.Forbidden,
                $"PushBatch is for principals with role 'source'; '{principal.Name}' has role '{principal.Role.ToString().ToLowerInvariant()}'.");
        }

        if (!principal.MaySee(dataset))
        {
            var allowed = principal.Datasets.Count == 0 ? "(none)" : string.Join(", ", principal.OrderedDatasets);
            throw new ExchangeFaultException(ExchangeFaultCode.Forbidden, $"Dataset '{dataset}' is not allowed for '{principal.Name}'; allowed datasets: {allowed}.");
        }

        if (!string.Equals(format, Format, StringComparison.Ordinal))
        {
            throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, $"Format '{format}' is not accepted; send '{Format}' (gzip of UTF-8 JSON Lines).");
        }

        var (rows, sha256) = Verify(payload);
        var batch = new NewBatch(dataset, rows, Format, payload, sha256, null, null, BatchOrigin.Pushed);
        var (header, duplicate) = await _store.AppendPushedBatchAsync(batch, batchKey, cancellationToken, audit).ConfigureAwait(false);
        if (duplicate && !string.Equals(header.Sha256, sha256, StringComparison.Ordinal))
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"BatchKey '{batchKey}' of dataset '{dataset}' was already used for batch {header.BatchId} with other content; use a new BatchKey for new content.");
        }

        return (header, duplicate);
    }

    /// <summary>The row count and the SHA-256 (lower-case hex) of the uncompressed payload, after checking every line is a JSON object.</summary>
    /// <exception cref="ExchangeFaultException"><c>InvalidRequest</c> naming the problem (and the line).</exception>
    public static (int Rows, string Sha256) Verify(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        byte[] raw;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(payload, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > MaxUncompressedBytes)
                {
                    throw Invalid($"The payload expands to more than {MaxUncompressedBytes} bytes; push smaller batches.");
                }

                output.Write(buffer, 0, read);
            }

            raw = output.ToArray();
        }
        catch (InvalidDataException)
        {
            throw Invalid("The payload is not gzip data; send the gzip of UTF-8 JSON Lines (format jsonl+gzip).");
        }

        var rows = 0;
        var span = raw.AsSpan();
        var lineNumber = 0;
        while (!span.IsEmpty)
        {
            lineNumber++;
            var end = span.IndexOf((byte)'\n');
            var line = end < 0 ? span : span[..end];
            span = end < 0 ? [] : span[(end + 1)..];
            if (line.Trim((byte)'\r').IsEmpty)
            {
                continue;
            }

            try
            {
                var reader = new Utf8JsonReader(line);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.TrySkip() || reader.Read())
                {
                    throw Invalid($"Line {lineNumber} of the payload is not one JSON object; each line holds one row as an object.");
                }
            }
            catch (JsonException)
            {
                throw Invalid($"Line {lineNumber} of the payload is not valid JSON; each line holds one row as a JSON object.");
            }

            rows++;
        }

        if (rows == 0)
        {
            throw Invalid("The payload holds no rows; push at least one JSON object line.");
        }

        return (rows, Convert.ToHexStringLower(SHA256.HashData(raw)));
    }

    private static ExchangeFaultException Invalid(string message) => new(ExchangeFaultCode.InvalidRequest, message);
}
