using Exchange.Core.Staging;

namespace Exchange.Core.Delivery;

/// <summary>The answer to a poll (wire element <c>PollResponse</c>).</summary>
/// <param name="Batches">Unacknowledged batches, ordered by dataset then sequence number.</param>
/// <param name="HasMore">Whether more unacknowledged batches are waiting than were returned.</param>
/// <param name="NextPollAfterSeconds">When the caller may poll again: its agreed minimum interval, in whole seconds.</param>
/// <param name="CompletedRequestMsgIds">
/// <c>MsgId</c>s of the caller's requests whose answer (Completed, Failed or Expired) was not read with <c>GetResponse</c> yet.
/// </param>
public sealed record PollResult(
    IReadOnlyList<BatchHeader> Batches,
    bool HasMore,
    int NextPollAfterSeconds,
    IReadOnlyList<string> CompletedRequestMsgIds);
