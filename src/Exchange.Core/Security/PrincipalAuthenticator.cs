using System.Security.Cryptography;
using Exchange.Core.Delivery;

namespace Exchange.Core.Security;

/// <summary>Checks a name and password against the configured principals.</summary>
/// <remarks>
/// A PBKDF2 run costs tens of milliseconds of CPU on purpose. Runs that the verified-credential cache cannot spare (a new
/// or wrong password, an unknown name) share a small global budget of concurrent checks, so guesses from many addresses
/// at once queue for that budget instead of taking every core; a check that cannot start within
/// <see cref="BudgetWait"/> is refused as <c>Unavailable</c>.
/// </remarks>
public sealed class PrincipalAuthenticator : IDisposable
{
    /// <summary>How long a password check waits for the budget before the call is refused.</summary>
    public static readonly TimeSpan BudgetWait = TimeSpan.FromSeconds(2);

    private readonly PrincipalRegistry _registry;
    private readonly IPasswordHasher _hasher;
    private readonly VerifiedCredentialCache _cache;
    private readonly SemaphoreSlim _budget;
    private readonly string _dummyHash;

    /// <summary>
    /// Creates an authenticator over <paramref name="registry"/> allowing <paramref name="concurrentChecks"/> PBKDF2 runs
    /// at once (0: half the processors, at least 1).
    /// </summary>
    public PrincipalAuthenticator(PrincipalRegistry registry, IPasswordHasher hasher, VerifiedCredentialCache cache, int concurrentChecks = 0)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegative(concurrentChecks);
        _registry = registry;
        _hasher = hasher;
        _cache = cache;
        ConcurrentChecks = concurrentChecks > 0 ? concurrentChecks : DefaultConcurrentChecks;
        _budget = new SemaphoreSlim(ConcurrentChecks, ConcurrentChecks);

        // An unknown name costs what a known one costs: the dummy hash has the iteration count the principals are hashed with.
        DummyIterations = registry.All.Select(p => Pbkdf2PasswordHasher.IterationsOf(p.PasswordHash)).DefaultIfEmpty(Pbkdf2PasswordHasher.DefaultIterations).Max();
        _dummyHash = new Pbkdf2PasswordHasher(DummyIterations).Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    }

    /// <summary>Half the processors, at least 1: guessing can take at most that share of the CPU.</summary>
    public static int DefaultConcurrentChecks => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>PBKDF2 runs allowed at once.</summary>
    public int ConcurrentChecks { get; }

    /// <summary>The iteration count of the hash an unknown name is checked against.</summary>
    public int DummyIterations { get; }

    /// <summary>
    /// The principal when <paramref name="password"/> is its password; null otherwise (unknown name or wrong password).
    /// </summary>
    /// <exception cref="ExchangeFaultException"><c>Unavailable</c> when no password check could start within <see cref="BudgetWait"/>.</exception>
    public async ValueTask<Principal?> AuthenticateAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(password);
        var principal = _registry.Find(name);
        if (principal is not null && _cache.IsVerified(principal, password))
        {
            return principal;
        }

        if (!await _budget.WaitAsync(BudgetWait, cancellationToken).ConfigureAwait(false))
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.Unavailable,
                $"The service is checking as many passwords as it allows at once ({ConcurrentChecks}); try again in a few seconds.")
            {
                RetryAfterSeconds = 2,
            };
        }

        try
        {
            if (principal is null)
            {
                // Spend the same work as for a known name, so response time does not tell which names exist.
                _hasher.Verify(password, _dummyHash);
                return null;
            }

            if (!_hasher.Verify(password, principal.PasswordHash))
            {
                return null;
            }
        }
        finally
        {
            _budget.Release();
        }

        _cache.Remember(principal, password);
        return principal;
    }

    /// <inheritdoc />
    public void Dispose() => _budget.Dispose();
}
