using System.Collections.Concurrent;

namespace Exchange.WebService.Soap;

/// <summary>
/// Counts failed authentications per remote address in one-minute windows; past the allowance the address is refused
/// before any password is checked, so guessing (and the PBKDF2 work each guess costs) is bounded per address.
/// </summary>
internal sealed class FailedAuthenticationThrottle
{
    private const int SweepThreshold = 10_000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Counter> _byAddress = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly int _perMinute;

    /// <summary>Allows <paramref name="perMinute"/> failures per address per minute; 0 switches the throttle off.</summary>
    public FailedAuthenticationThrottle(TimeProvider timeProvider, int perMinute)
    {
        _timeProvider = timeProvider;
        _perMinute = perMinute;
    }

    /// <summary>0 when <paramref name="address"/> may try to authenticate; otherwise the whole seconds until it may.</summary>
    public int SecondsToWait(string address)
    {
        if (_perMinute <= 0 || !_byAddress.TryGetValue(address, out var counter))
        {
            return 0;
        }

        var now = _timeProvider.GetUtcNow();
        lock (counter)
        {
            var endsAt = counter.WindowStart + Window;
            return now < endsAt && counter.Failures >= _perMinute ? Math.Max(1, (int)Math.Ceiling((endsAt - now).TotalSeconds)) : 0;
        }
    }

    /// <summary>Counts one failed authentication from <paramref name="address"/>.</summary>
    public void Failed(string address)
    {
        if (_perMinute <= 0)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        if (_byAddress.Count >= SweepThreshold)
        {
            foreach (var (key, old) in _byAddress)
            {
                if (old.WindowStart + Window <= now)
                {
                    _byAddress.TryRemove(key, out _);
                }
            }
        }

        var counter = _byAddress.GetOrAdd(address, _ => new Counter { WindowStart = now });
        lock (counter)
        {
            if (counter.WindowStart + Window <= now)
            {
                counter.WindowStart = now;
                counter.Failures = 0;
            }

            counter.Failures++;
        }
    }

    private sealed class Counter
    {
        public DateTimeOffset WindowStart { get; set; }

        public int Failures { get; set; }
    }
}
