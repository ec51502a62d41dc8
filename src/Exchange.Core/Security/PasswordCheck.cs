using System.Security.Cryptography;
using Exchange.Core.Delivery;

namespace Exchange.Core.Security;

/// <summary>
/// Checks a password against a stored PBKDF2 hash: answered from the verified-credential cache when it can be, otherwise
/// one PBKDF2 run inside a small budget of concurrent checks. An unknown name is checked against a dummy hash of the same
/// iteration count as the known ones, so the time taken does not tell which names exist.
/// </summary>
/// <remarks>
/// A PBKDF2 run costs tens of milliseconds of CPU on purpose. Runs that the cache cannot spare (a new or wrong password,
/// an unknown name) share the budget, so guesses from many addresses at once queue for it instead of taking every core;
/// a check that cannot start within <see cref="BudgetWait"/> is refused as <c>Unavailable</c>.
/// </remarks>
public sealed class PasswordCheck : IDisposable
{
    /// <summary>How long a password check waits for the budget before the call is refused.</summary>
    public static readonly TimeSpan BudgetWait = TimeSpan.FromSeconds(2);

    private readonly IPasswordHasher _hasher;
    private readonly VerifiedCredentialCache _cache;
    private readonly SemaphoreSlim _budget;
    private readonly string _dummyHash;

    /// <summary>
    /// Creates a check for names whose hashes are <paramref name="storedHashes"/> (for the dummy hash's iteration count),
    /// allowing <paramref name="concurrentChecks"/> PBKDF2 runs at once (0: half the processors, at least 1).
    /// </summary>
    public PasswordCheck(IPasswordHasher hasher, VerifiedCredentialCache cache, IEnumerable<string> storedHashes, int concurrentChecks = 0)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(storedHashes);
        ArgumentOutOfRangeException.ThrowIfNegative(concurrentChecks);
        _hasher = hasher;
        _cache = cache;
        ConcurrentChecks = concurrentChecks > 0 ? concurrentChecks : DefaultConcurrentChecks;
        _budget = new SemaphoreSlim(ConcurrentChecks, ConcurrentChecks);
        DummyIterations = storedHashes.Select(Pbkdf2PasswordHasher.IterationsOf).DefaultIfEmpty(Pbkdf2PasswordHasher.DefaultIterations).Max();
        _dummyHash = new Pbkdf2PasswordHasher(DummyIterations).Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    }

    /// <summary>Half the processors, at least 1: guessing can take at most that share of the CPU.</summary>
    public static int DefaultConcurrentChecks => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>PBKDF2 runs allowed at once.</summary>
    public int ConcurrentChecks { get; }

    /// <summary>The iteration count of the hash an unknown name is checked against.</summary>
    public int DummyIterations { get; }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="storedHash"/>, the hash of <paramref name="name"/> (null: an unknown name, never a match).</summary>
    /// <exception cref="ExchangeFaultException"><c>Unavailable</c> when no password check could start within <see cref="BudgetWait"/>.</exception>
    public async ValueTask<bool> VerifyAsync(string name, string? storedHash, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(password);
        if (storedHash is not null && _cache.IsVerified(name, storedHash, password))
        {
            return true;
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

        bool matches;
        try
        {
            // An unknown name spends the same work as a known one.
            matches = _hasher.Verify(password, storedHash ?? _dummyHash) && storedHash is not null;
        }
        finally
        {
            _budget.Release();
        }

        if (matches)
        {
            _cache.Remember(name, storedHash!, password);
        }

        return matches;
    }

    /// <inheritdoc />
    public void Dispose() => _budget.Dispose();
}
