namespace Exchange.Core.Security;

/// <summary>Checks a name and password against the configured principals.</summary>
public sealed class PrincipalAuthenticator
{
    private readonly PrincipalRegistry _registry;
    private readonly IPasswordHasher _hasher;
    private readonly VerifiedCredentialCache _cache;
    private readonly string _dummyHash;

    /// <summary>Creates an authenticator over <paramref name="registry"/>.</summary>
    public PrincipalAuthenticator(PrincipalRegistry registry, IPasswordHasher hasher, VerifiedCredentialCache cache)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(cache);
        _registry = registry;
        _hasher = hasher;
        _cache = cache;
        _dummyHash = hasher.Hash("not a password anyone has");
    }

    /// <summary>The principal when <paramref name="password"/> is its password; null otherwise (unknown name or wrong password).</summary>
    public Principal? Authenticate(string name, string password)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(password);
        var principal = _registry.Find(name);
        if (principal is null)
        {
            // Spend the same work as for a known name, so response time does not tell which names exist.
            _hasher.Verify(password, _dummyHash);
            return null;
        }

        if (_cache.IsVerified(principal, password))
        {
            return principal;
        }

        if (!_hasher.Verify(password, principal.PasswordHash))
        {
            return null;
        }

        _cache.Remember(principal, password);
        return principal;
    }
}
