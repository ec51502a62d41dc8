using Exchange.Core.Audit;

namespace Exchange.Core.Requests;

/// <summary>
/// Durable request/response pairing in the staging store. One request per insurer and <c>MsgId</c>, one response per
/// request (the response row is keyed by the request), and the response is stored in the same transaction as the
/// request's final status. Implemented by <see cref="RequestStore"/> on SQLite and PostgreSQL.
/// </summary>
public interface IRequestStore
{
    /// <summary>
    /// Stores the request with a new <c>RefMsgId</c>, or, when the insurer used the MsgId before, returns the original:
    /// <see cref="SubmitOutcome.Resubmitted"/> for the same content, <see cref="SubmitOutcome.DuplicateMsgId"/> for different content.
    /// Safe under concurrent identical submissions: exactly one is stored.
    /// </summary>
    Task<SubmitResult> SubmitRequestAsync(NewRequest request, CancellationToken cancellationToken, AuditRecord? audit = null);

    /// <summary>
    /// Claims up to <paramref name="max"/> requests of the given function codes, oldest first: pending ones, and ones whose
    /// claim's lease ran out (a worker that died). Each claim counts as an attempt and holds the request for
    /// <paramref name="lease"/>. A request is claimed by at most one worker at a time, also across daemons sharing the store.
    /// Requests past their expiry are not claimed.
    /// </summary>
    Task<IReadOnlyList<ClaimedRequest>> ClaimRequestsAsync(string worker, IReadOnlyCollection<string> infNos, int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// True when <see cref="ClaimRequestsAsync"/> would find a request of the given function codes now (pending, or with a run-out
    /// lease, not expired). A read only, so that a worker with nothing to do neither claims nor attends a source's load gate.
    /// </summary>
    Task<bool> HasClaimableRequestsAsync(IReadOnlyCollection<string> infNos, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the answer and the final status (<c>Completed</c> for <c>InfCode</c> 0, else <c>Failed</c>) in one transaction,
    /// if the request is still <c>Processing</c> under <paramref name="worker"/>'s claim. False when it is not (the claim was
    /// taken over, or the request expired or was answered): nothing is stored.
    /// </summary>
    Task<bool> CompleteRequestAsync(long requestId, string worker, RequestAnswer answer, CancellationToken cancellationToken, AuditRecord? audit = null);

    /// <summary>
    /// Gives back a failed attempt under <paramref name="worker"/>'s claim: after <paramref name="maxAttempts"/> attempts the request
    /// ends <c>Failed</c> with <paramref name="insurerMessage"/> as its response, otherwise it is <c>Pending</c> again. Returns the
    /// status afterwards, or null when the claim was no longer the worker's (nothing changed).
    /// </summary>
    Task<RequestStatus?> FailAttemptAsync(long requestId, string worker, int maxAttempts, string insurerMessage, CancellationToken cancellationToken);

    /// <summary>Ends every unanswered request past its expiry as <c>Expired</c>, each with its failure response; returns how many.</summary>
    Task<int> ExpireRequestsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The insurer's request with <paramref name="msgId"/> and its response, or null (another insurer's MsgId is not visible).
    /// With <paramref name="markRead"/> a final response is marked read, so that <c>Poll</c> stops listing it.
    /// </summary>
    Task<RequestWithResponse?> GetResponseAsync(string insurer, string msgId, bool markRead, CancellationToken cancellationToken);

    /// <summary>The request with the exchange's <paramref name="refMsgId"/>, or null.</summary>
    Task<StoredRequest?> GetRequestByRefAsync(string refMsgId, CancellationToken cancellationToken);

    /// <summary>MsgIds of the insurer's final requests whose response was not read yet, oldest answer first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<string>> GetUnreadAnsweredMsgIdsAsync(string insurer, int max, CancellationToken cancellationToken);
}
