using Exchange.Core.Buffers;

namespace Exchange.WebService.Soap;

/// <summary>
/// A write-only stream over a <see cref="PooledBufferWriter"/>: a response envelope is written into it synchronously and
/// sent in one write with its length known.
/// </summary>
internal sealed class PooledBufferStream(int initialCapacity) : Stream
{
    private readonly PooledBufferWriter _buffer = new(initialCapacity);

    /// <summary>What was written.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => _buffer.WrittenCount;

    /// <inheritdoc />
    public override long Position
    {
        get => _buffer.WrittenCount;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer) => _buffer.Write(buffer);

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _buffer.Dispose();
        }

        base.Dispose(disposing);
    }
}
