using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace Exchange.Core.Extraction;

/// <summary>
/// Hashes and gzips blocks of JSON Lines on a background task while the caller reads and encodes the next rows.
/// </summary>
/// <remarks>
/// Encoding and compressing are the two largest costs of a chunk; on a two-core front-end machine running them on
/// two threads (besides the source server itself) keeps both cores busy. At most <see cref="Depth"/> blocks wait, so
/// memory stays bounded whatever the chunk size. Blocks are rented from the shared pool and returned once compressed.
/// </remarks>
internal sealed class BlockCompressor : IDisposable
{
    /// <summary>Blocks that may wait for compression before <see cref="PostAsync"/> waits.</summary>
    public const int Depth = 4;

    private readonly Channel<(byte[] Block, int Length)> _blocks = Channel.CreateBounded<(byte[] Block, int Length)>(
        new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly MemoryStream _compressed = new();
    private readonly GZipStream _gzip;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Task _worker;
    private long _uncompressedBytes;

    public BlockCompressor()
    {
        _gzip = new GZipStream(_compressed, CompressionLevel.Fastest, leaveOpen: true);
        _worker = Task.Run(CompressAsync);
    }

    /// <summary>Hands a rented block over; it is returned to the pool once compressed. Waits while <see cref="Depth"/> blocks wait.</summary>
    /// <exception cref="ChannelClosedException">Compression failed (the inner exception says why).</exception>
    public ValueTask PostAsync(byte[] block, int length, CancellationToken cancellationToken) =>
        _blocks.Writer.TryWrite((block, length)) ? ValueTask.CompletedTask : _blocks.Writer.WriteAsync((block, length), cancellationToken);

    /// <summary>Compresses what is left and returns the gzip, the SHA-256 (lower-case hex) and the uncompressed length.</summary>
    public async Task<(byte[] Gzip, string Sha256, long UncompressedBytes)> CompleteAsync()
    {
        _blocks.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
        await _gzip.DisposeAsync().ConfigureAwait(false);
        return (_compressed.ToArray(), Convert.ToHexStringLower(_hash.GetHashAndReset()), _uncompressedBytes);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // A cancelled chunk: let the worker drain (returning the rented blocks) and stop; its outcome no longer matters.
        _blocks.Writer.TryComplete();
        try
        {
            _worker.Wait();
        }
        catch (AggregateException)
        {
            // Already reported to the caller of PostAsync or CompleteAsync, or irrelevant for a dropped chunk.
        }

        _gzip.Dispose();
        _compressed.Dispose();
        _hash.Dispose();
    }

    private async Task CompressAsync()
    {
        try
        {
            await foreach (var (block, length) in _blocks.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                var bytes = block.AsSpan(0, length);
                _hash.AppendData(bytes);
                _gzip.Write(bytes);
                _uncompressedBytes += length;
                ArrayPool<byte>.Shared.Return(block);
            }
        }
        catch (Exception ex)
        {
            // A writer waiting for room must not wait forever: closing the channel hands it the failure.
            _blocks.Writer.TryComplete(ex);
            throw;
        }
    }
}
