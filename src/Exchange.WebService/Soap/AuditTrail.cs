using System.Threading.Channels;
using Exchange.Core.Audit;
using Exchange.Core.Staging;

namespace Exchange.WebService.Soap;

/// <summary>
/// Writes the audit records of calls to the audit table with group commit: records that arrive while a commit is running
/// are written together in the next one, so concurrent calls share one durable commit (one fsync) instead of queueing
/// for one each. Every caller still waits until its own record is committed, so no call is answered unaudited.
/// </summary>
internal sealed class AuditTrail : IAsyncDisposable
{
    private const int MaxGroup = 512;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IStagingStore _store;
    private readonly Task _writer;

    /// <summary>Starts the writer over <paramref name="store"/> (group commit when it is an <see cref="IAuditStore"/>).</summary>
    public AuditTrail(IStagingStore store)
    {
        _store = store;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Completes when <paramref name="entry"/> is committed; fails with the store's error when it could not be.</summary>
    public Task WriteAsync(AuditEntry entry)
    {
        var pending = new Pending(entry, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(pending)
            ? pending.Done.Task
            : Task.FromException(new ObjectDisposedException(nameof(AuditTrail), "The service is stopping; the call was not audited."));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<Pending>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            try
            {
                if (_store is IAuditStore batches)
                {
                    await batches.WriteAuditBatchAsync([.. group.Select(p => p.Entry)], CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    foreach (var pending in group)
                    {
                        await _store.WriteAuditAsync(pending.Entry, CancellationToken.None).ConfigureAwait(false);
                    }
                }

                group.ForEach(p => p.Done.TrySetResult());
            }
            catch (Exception ex)
            {
                // Every caller of the group learns that its record was not written (the endpoint then answers Unavailable).
                group.ForEach(p => p.Done.TrySetException(ex));
            }
        }
    }

    private sealed record Pending(AuditEntry Entry, TaskCompletionSource Done);
}
