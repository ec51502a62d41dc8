namespace Exchange.Core.Delivery;

/// <summary>The fault codes of the service contract (wire element <c>ExchangeFault/Code</c>); names are the wire values.</summary>
public enum ExchangeFaultCode
{
    /// <summary>No credentials, an unknown name or a wrong password.</summary>
    AuthFailed = 0,

    /// <summary>The principal is authenticated but not allowed to do this (another dataset, the wrong role).</summary>
    Forbidden = 1,

    /// <summary>The request is not XML, not a SOAP envelope, or does not match the contract.</summary>
    InvalidRequest = 2,

    /// <summary>No batch with that id is visible to the caller.</summary>
    UnknownBatch = 3,

    /// <summary>An acknowledgement names a sequence number beyond the dataset's last batch.</summary>
    AckOutOfRange = 4,

    /// <summary>The principal polls faster than its agreed interval.</summary>
    PollTooSoon = 5,

    /// <summary>A request <c>MsgId</c> was submitted before with different content.</summary>
    DuplicateMsgId = 6,

    /// <summary>The service cannot answer now (an unexpected error); the caller should retry later.</summary>
    Unavailable = 7,
}
