namespace Exchange.Core.Security;

/// <summary>Checks a name and password against the configured principals (<see cref="PasswordCheck"/>: cache, budget, dummy hash).</summary>
public sealed class PrincipalAuthenticator : IDisposable
{
    private readonly PrincipalRegistry _registry;
    private readonly PasswordCheck _check;

    /// <summary>
    /// Creates an authenticator over <paramref name="registry"/> allowing <paramref name="concurrentChecks"/> PBKDF2 runs
    /// at once (0: half the processors, at least 1).
    /// </summary>
    public PrincipalAuthenticator(PrincipalRegistry registry, IPasswordHasher hasher, VerifiedCredentialCache cache, int concurrentChecks = 0)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _check = new PasswordCheck(hasher, cache, registry.All.Select(p => p.PasswordHash), concurrentChecks);
    }

    /// <summary>PBKDF2 runs allowed at once.</summary>
    public int ConcurrentChecks => _check.ConcurrentChecks;

    /// <summary>The iteration count of the hash an unknown name is checked against.</summary>
    public int DummyIterations => _check.DummyIterations;

    /// <summary>The principal when <paramref name="password"/> is its password; null otherwise (unknown name or wrong password).</summary>
    /// <exception cref="Delivery.ExchangeFaultException"><c>Unavailable</c> when no password check could start within <see cref="PasswordCheck.BudgetWait"/>.</exception>
    public async ValueTask<Principal?> AuthenticateAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var principal = _registry.Find(name);
        return await _check.VerifyAsync(name, principal?.PasswordHash, password, cancellationToken).ConfigureAwait(false) ? principal : null;
    }

    /// <inheritdoc />
    public void Dispose() => _check.Dispose();
}
