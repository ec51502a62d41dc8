using System.Globalization;
using Exchange.Core.Security;

namespace Exchange.Core.Delivery;

/// <summary>
/// Enforces each principal's agreed minimum poll interval in this node's memory: a poll sooner than agreed is refused
/// with <c>PollTooSoon</c> and the seconds to wait. Only polls that were answered count.
/// </summary>
public sealed class PollPacer : IPollPacer
{
    // Pollers on a fixed timer arrive a little early now and then (clock jitter, network): that is not polling too soon.
    private static readonly TimeSpan MaxTolerance = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, DateTimeOffset> _lastPoll = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a pacer on <paramref name="timeProvider"/>.</summary>
    public PollPacer(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// The whole seconds a principal with <paramref name="minInterval"/> still has to wait after a poll at <paramref name="last"/>, or 0 when a poll
    /// at <paramref name="now"/> is allowed (the interval less a tolerance of a tenth of it, at most one second).
    /// </summary>
    public static int SecondsToWait(TimeSpan minInterval, DateTimeOffset? last, DateTimeOffset now)
    {
        if (last is not { } previous || minInterval <= TimeSpan.Zero)
        {
            return 0;
        }

        return now >= previous + Gap(minInterval) ? 0 : (int)Math.Ceiling((previous + minInterval - now).TotalSeconds);
    }

    /// <summary>The least time between two polls that is let through: the interval less a tenth of it, at most one second.</summary>
    internal static TimeSpan Gap(TimeSpan minInterval) => minInterval - TimeSpan.FromTicks(Math.Min(minInterval.Ticks / 10, MaxTolerance.Ticks));

    /// <summary>The <c>PollTooSoon</c> fault for a poll <paramref name="wait"/> seconds too soon.</summary>
    internal static ExchangeFaultException TooSoon(Principal principal, int wait) => new(
        ExchangeFaultCode.PollTooSoon,
        $"'{principal.Name}' may poll every {principal.MinPollInterval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s as agreed; poll again in {wait} s.")
    {
        RetryAfterSeconds = wait,
    };

    /// <summary>Starts a poll for <paramref name="principal"/>: returns a token to pass to <see cref="Abandon"/> if the poll is not answered.</summary>
    /// <exception cref="ExchangeFaultException"><c>PollTooSoon</c> naming the interval and the seconds to wait.</exception>
    public PollTicket Begin(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            DateTimeOffset? last = _lastPoll.TryGetValue(principal.Name, out var at) ? at : null;
            var wait = SecondsToWait(principal.MinPollInterval, last, now);
            if (wait > 0)
            {
                throw TooSoon(principal, wait);
            }

            _lastPoll[principal.Name] = now;
            return new PollTicket(principal.Name, last, now);
        }
    }

    /// <inheritdoc />
    public ValueTask<PollTicket> BeginAsync(Principal principal, CancellationToken cancellationToken) => new(Begin(principal));

    /// <inheritdoc />
    public ValueTask AbandonAsync(PollTicket ticket, CancellationToken cancellationToken)
    {
        Abandon(ticket);
        return ValueTask.CompletedTask;
    }

    /// <summary>Forgets a poll that was not answered (a store failure), so the caller may retry at once.</summary>
    public void Abandon(PollTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_lock)
        {
            if (_lastPoll.TryGetValue(ticket.Principal, out var at) && at == ticket.At)
            {
                if (ticket.Previous is { } previous)
                {
                    _lastPoll[ticket.Principal] = previous;
                }
                else
                {
                    _lastPoll.Remove(ticket.Principal);
                }
            }
        }
    }
}
