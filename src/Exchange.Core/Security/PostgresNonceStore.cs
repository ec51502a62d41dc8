using Exchange.Core.Staging;

namespace Exchange.Core.Security;

/// <summary>
/// The nonces of accepted <c>PasswordDigest</c> tokens in the PostgreSQL staging store (<c>used_nonces</c>), so that a
/// token accepted by one node is refused by every node sharing the store, for twice the replay window.
/// </summary>
/// <remarks>
/// One statement per token: it records a new nonce, or reuses the row of an expired one, and returns nothing for a
/// replay. About once a minute a node deletes the rows expired for a window first, so the table holds about three replay
/// windows of accepted tokens. Unlike <see cref="NonceReplayCache"/> there is no cap per principal: the rows live on disk, and the
/// shared rate limit bounds how fast a principal adds them.
/// </remarks>
public sealed class PostgresNonceStore : INonceStore
{
    internal const string UseSql = PostgresStagingDatabase.WithAsyncCommit + """
        INSERT INTO used_nonces (principal, nonce, expires_at) SELECT @principal, @nonce, @expiresAt FROM async_commit
        ON CONFLICT (principal, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE used_nonces.expires_at <= @now
        RETURNING 1
        """;

    /// <summary>
    /// Deletes the nonces expired for one replay window already (<c>@before</c> is the purging node's time less the window):
    /// a node whose clock runs fast must not delete a nonce that a node with a slower clock would still accept a replay of.
    /// </summary>
    /// <remarks>
    /// Reusing an expired row in <see cref="UseSql"/> needs no margin: a row expires a whole window after its token's
    /// <c>Created</c> at the earliest, and a node accepts a token only within the window of <c>Created</c> on its own clock.
    /// </remarks>
    internal const string PurgeSql = "DELETE FROM used_nonces WHERE expires_at <= @before";

    /// <summary>How often a node deletes the expired nonces.</summary>
    internal static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(1);

    private readonly PostgresStagingDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _window;
    private readonly TimeSpan _lifetime;
    private long _nextPurgeTicks;

    /// <summary>Remembers nonces in <paramref name="database"/> for twice <paramref name="window"/> (a Created may be that far either way).</summary>
    public PostgresNonceStore(PostgresStagingDatabase database, TimeProvider timeProvider, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _timeProvider = timeProvider;
        _window = window;
        _lifetime = window + window;
    }

    /// <inheritdoc />
    /// <remarks>Never <see cref="NonceUse.Full"/>.</remarks>
    public async ValueTask<NonceUse> TryUseAsync(string principal, byte[] nonce, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(nonce);
        var now = _timeProvider.GetUtcNow();
        var session = await _database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            // Before the insert: a purge that fails fails the call without spending the token's nonce.
            if (PurgeDue(now))
            {
                await session.ExecuteAsync(PurgeSql, null, cancellationToken, ("before", _database.ToDb(now - _window))).ConfigureAwait(false);
            }

            var recorded = await session.ScalarAsync<int?>(
                UseSql,
                null,
                cancellationToken,
                ("principal", principal),
                ("nonce", nonce),
                ("expiresAt", _database.ToDb(now + _lifetime)),
                ("now", _database.ToDb(now))).ConfigureAwait(false);
            return recorded is null ? NonceUse.Replayed : NonceUse.Recorded;
        }
    }

    // One caller per node and PurgeEvery wins the purge; the first call after start purges what a stopped cluster left.
    private bool PurgeDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextPurgeTicks);
        return now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextPurgeTicks, (now + PurgeEvery).UtcTicks, due) == due;
    }
}
