namespace Exchange.Core.Security;

/// <summary>
/// Failed authentications per remote address and minute counted by all the nodes sharing a store (the SOAP endpoint's
/// throttle counts in memory and, with several nodes, also here: <see cref="PostgresFailedAuthenticationCount"/>).
/// </summary>
public interface IFailedAuthenticationCount
{
    /// <summary>Counts one failure of <paramref name="address"/> in the minute starting at <paramref name="windowStart"/>; returns that minute's failures over all nodes.</summary>
    ValueTask<int> AddFailureAsync(string address, DateTimeOffset windowStart, CancellationToken cancellationToken);
}
