using Exchange.Core.Security;

namespace Exchange.Core.Delivery;

/// <summary>
/// Enforces each principal's agreed minimum poll interval: in this node's memory (<see cref="PollPacer"/>) or, for
/// several nodes on one PostgreSQL store, in the store (<see cref="PostgresPollPacer"/>). Only polls that were answered count.
/// </summary>
public interface IPollPacer
{
    /// <summary>Starts a poll for <paramref name="principal"/>: returns a ticket to pass to <see cref="AbandonAsync"/> if the poll is not answered.</summary>
    /// <exception cref="ExchangeFaultException"><c>PollTooSoon</c> naming the interval and the seconds to wait.</exception>
    ValueTask<PollTicket> BeginAsync(Principal principal, CancellationToken cancellationToken);

    /// <summary>Forgets a poll that was not answered (a store failure), so the caller may retry at once.</summary>
    ValueTask AbandonAsync(PollTicket ticket, CancellationToken cancellationToken);
}

/// <summary>A poll that was let through: whose, when, and the poll before it.</summary>
public sealed record PollTicket(string Principal, DateTimeOffset? Previous, DateTimeOffset At);
