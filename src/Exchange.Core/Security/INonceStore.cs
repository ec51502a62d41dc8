namespace Exchange.Core.Security;

/// <summary>
/// Where the nonces of accepted <c>PasswordDigest</c> tokens are remembered: in this node's memory
/// (<see cref="NonceReplayCache"/>) or, for several nodes on one PostgreSQL store, in the store (<see cref="PostgresNonceStore"/>).
/// </summary>
public interface INonceStore
{
    /// <summary>Records the decoded <paramref name="nonce"/> for <paramref name="principal"/>, or says why it was not.</summary>
    ValueTask<NonceUse> TryUseAsync(string principal, byte[] nonce, CancellationToken cancellationToken);
}
