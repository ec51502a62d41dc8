using System.Collections.Concurrent;

namespace Exchange.WebService.Operator;

/// <summary>
/// Counts failed operator logins per remote address in one-minute windows; past the allowance the address is refused
/// before any password is checked, so guessing (and the PBKDF2 work each guess costs) is bounded per address.
/// </summary>
internal sealed class OperatorLoginThrottle(TimeProvider timeProvider, int perMinute)
{
    private const int SweepThreshold = 10_000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Counter> _byAddress = new(StringComparer.Ordinal);

    /// <summary>0 when <paramref name="address"/> may try to log in; otherwise the whole seconds until it may.</summary>
    public int SecondsToWait(string address)
    {
        if (!_byAddress.TryGetValue(address, out var counter))
        {
            return 0;
        }

        var now = timeProvider.GetUtcNow();
        lock (counter)
        {
            var endsAt = counter.WindowStart + Window;
            return now < endsAt && counter.Failures >= perMinute ? Math.Max(1, (int)Math.Ceiling((endsAt - now).TotalSeconds)) : 0;
        }
    }

    /// <summary>Counts one failed login from <paramref name="address"/>.</summary>
    public void Failed(string address)
    {
        var now = timeProvider.GetUtcNow();
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
