using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Exchange.Core.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Exchange.WebService.Soap;

/// <summary>
/// Counts failed authentications (SOAP calls, operator logins) per remote address in fixed one-minute windows; past the
/// allowance the address is refused before any password is checked, so guessing (and the PBKDF2 work each guess costs) is bounded per address.
/// </summary>
/// <remarks>
/// Each failure costs O(1) whatever the number of addresses: the counters of a window live in one table that is dropped
/// whole when the next window starts, never swept entry by entry. A window holds at most <see cref="MaxAddresses"/>
/// addresses; failures from further addresses in that window share one overflow counter with the same allowance, so a
/// flood from many addresses cannot grow memory without bound (it can only make those extra addresses wait together).
/// With a shared count (several nodes on one store) each failure is also counted there, and the node takes the nodes'
/// total as its own: an address is refused everywhere once it failed its allowance anywhere, give or take one failure
/// per node (a node learns the total at the next failure it sees).
/// </remarks>
internal sealed partial class FailedAuthenticationThrottle
{
    /// <summary>Addresses counted separately in one window.</summary>
    public const int MaxAddresses = 100_000;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _timeProvider;
    private readonly int _perMinute;
    private readonly IFailedAuthenticationCount? _shared;
    private readonly ILogger _logger;
    private volatile Generation _current;

    /// <summary>
    /// Allows <paramref name="perMinute"/> failures per address per minute; 0 switches the throttle off. With
    /// <paramref name="shared"/>, the failures are counted over the nodes that share it; when it fails, this node counts
    /// alone and <paramref name="logger"/> says so.
    /// </summary>
    public FailedAuthenticationThrottle(TimeProvider timeProvider, int perMinute, IFailedAuthenticationCount? shared = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _perMinute = perMinute;
        _shared = shared;
        _current = new Generation(WindowStart(timeProvider.GetUtcNow()));
    }

    /// <summary>Addresses with a counter in the current window (tests).</summary>
    public int TrackedAddresses => _current.Count;

    /// <summary>0 when <paramref name="address"/> may try to authenticate; otherwise the whole seconds until it may.</summary>
    public int SecondsToWait(string address)
    {
        if (_perMinute <= 0)
        {
            return 0;
        }

        var now = _timeProvider.GetUtcNow();
        var generation = Current(now);
        var failures = generation.FailuresOf(address);
        if (failures < _perMinute)
        {
            return 0;
        }

        var endsAt = generation.Start + Window;
        return Math.Max(1, (int)Math.Ceiling((endsAt - now).TotalSeconds));
    }

    /// <summary>Counts one failed authentication from <paramref name="address"/>.</summary>
    public async ValueTask FailedAsync(string address, CancellationToken cancellationToken)
    {
        if (_perMinute <= 0)
        {
            return;
        }

        var generation = Current(_timeProvider.GetUtcNow());
        var counter = generation.Fail(address);
        if (_shared is not null)
        {
            int total;
            try
            {
                total = await _shared.AddFailureAsync(address, generation.Start, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // The caller answers AuthFailed whatever happens here: a store failure must not turn that into Unavailable.
                LogSharedCountFailed(_logger, error.GetType().Name, error.Message);
                return;
            }

            int seen;
            while ((seen = Volatile.Read(ref counter.Value)) < total && Interlocked.CompareExchange(ref counter.Value, total, seen) != seen)
            {
            }
        }
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Failed authentication counted on this node only; the shared count failed: {ErrorType}: {Error}")]
    private static partial void LogSharedCountFailed(ILogger logger, string errorType, string error);

    private static DateTimeOffset WindowStart(DateTimeOffset now) => new(now.UtcTicks - (now.UtcTicks % Window.Ticks), TimeSpan.Zero);

    private Generation Current(DateTimeOffset now)
    {
        var generation = _current;
        var start = WindowStart(now);
        if (generation.Start == start)
        {
            return generation;
        }

        // A new window: the old table is dropped whole. Two threads may race here; one table wins, which at most forgets
        // a failure counted in the other during the same instant.
        var next = new Generation(start);
        return Interlocked.CompareExchange(ref _current, next, generation) == generation ? next : _current;
    }

    private sealed class Generation(DateTimeOffset start)
    {
        // ConcurrentDictionary.Count takes every lock of the table: the size is counted here instead.
        private readonly ConcurrentDictionary<string, StrongBox<int>> _byAddress = new(StringComparer.Ordinal);
        private readonly StrongBox<int> _overflow = new();
        private int _count;

        public DateTimeOffset Start { get; } = start;

        public int Count => Volatile.Read(ref _count);

        public int FailuresOf(string address) =>
            _byAddress.TryGetValue(address, out var counter) ? Volatile.Read(ref counter.Value)
            : Count >= MaxAddresses ? Volatile.Read(ref _overflow.Value)
            : 0;

        // Counts a failure; returns the counter it went to.
        public StrongBox<int> Fail(string address)
        {
            if (!_byAddress.TryGetValue(address, out var counter))
            {
                if (Count >= MaxAddresses)
                {
                    counter = _overflow;
                }
                else
                {
                    var fresh = new StrongBox<int>();
                    counter = _byAddress.TryAdd(address, fresh) ? fresh : _byAddress[address];
                    if (ReferenceEquals(counter, fresh))
                    {
                        Interlocked.Increment(ref _count);
                    }
                }
            }

            Interlocked.Increment(ref counter.Value);
            return counter;
        }
    }
}
