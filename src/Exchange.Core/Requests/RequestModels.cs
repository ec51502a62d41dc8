namespace Exchange.Core.Requests;

/// <summary>The state of a request; the names are the stored values and the wire values (<c>RequestStatus</c>).</summary>
public enum RequestStatus
{
    /// <summary>Stored, waiting for a worker or a source system.</summary>
    Pending = 0,

    /// <summary>Claimed by a worker or a source system under a lease.</summary>
    Processing = 1,

    /// <summary>Answered (<c>InfCode</c> 0).</summary>
    Completed = 2,

    /// <summary>Answered with a failure (<c>InfCode</c> −1), for example after the last attempt failed.</summary>
    Failed = 3,

    /// <summary>Not answered by its expiry (<c>InfCode</c> −1).</summary>
    Expired = 4,
}

/// <summary>A request about to be stored.</summary>
/// <param name="Insurer">The submitting insurer: the namespace of <paramref name="MsgId"/>.</param>
/// <param name="MsgId">The insurer's own id of the request.</param>
/// <param name="InfNo">Function code.</param>
/// <param name="Input">The checked input (canonical JSON).</param>
/// <param name="InputSha256">Hash of function code and input: equal hashes are the same content.</param>
/// <param name="Expiry">How long after submission an unanswered request expires.</param>
public sealed record NewRequest(string Insurer, string MsgId, string InfNo, string Input, string InputSha256, TimeSpan Expiry);

/// <summary>A stored request.</summary>
public sealed record StoredRequest(
    long RequestId,
    string Insurer,
    string MsgId,
    string RefMsgId,
    string InfNo,
    string Input,
    string InputSha256,
    RequestStatus Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>True for <c>Completed</c>, <c>Failed</c> and <c>Expired</c>: the request has its one response.</summary>
    public bool IsFinal => Status is RequestStatus.Completed or RequestStatus.Failed or RequestStatus.Expired;
}

/// <summary>What a submission did.</summary>
public enum SubmitOutcome
{
    /// <summary>A new request was stored.</summary>
    Accepted = 0,

    /// <summary>The same insurer sent the same MsgId with the same content before: the original request is returned.</summary>
    Resubmitted = 1,

    /// <summary>The same insurer sent the same MsgId with different content before: nothing was stored.</summary>
    DuplicateMsgId = 2,
}

/// <summary>The result of a submission: the outcome and the request as stored (the original one for a resubmission or duplicate).</summary>
public sealed record SubmitResult(SubmitOutcome Outcome, StoredRequest Request);

/// <summary>A request claimed under a lease by <see cref="ClaimedBy"/>.</summary>
public sealed record ClaimedRequest(StoredRequest Request, string ClaimedBy, DateTimeOffset LeaseUntil);

/// <summary>The one answer of a request.</summary>
/// <param name="InfCode">0 success, −1 failure.</param>
/// <param name="ErrMsg">Why it failed, fit for the insurer (no SQL, no internals); null on success.</param>
/// <param name="Output">The answer as JSON; null on failure.</param>
public sealed record RequestAnswer(int InfCode, string? ErrMsg, string? Output)
{
    /// <summary>The <c>InfCode</c> of a success.</summary>
    public const int Success = 0;

    /// <summary>The <c>InfCode</c> of a failure.</summary>
    public const int Failure = -1;

    /// <summary>A successful answer with <paramref name="output"/>.</summary>
    public static RequestAnswer Ok(string output) => new(Success, null, output);

    /// <summary>A failed answer with a message for the insurer.</summary>
    public static RequestAnswer Fail(string message) => new(Failure, message, null);
}

/// <summary>A request with its response once it has one.</summary>
public sealed record RequestWithResponse(StoredRequest Request, RequestAnswer? Answer, DateTimeOffset? RespondedAt);
