namespace Exchange.Core.Delivery;

/// <summary>
/// A refusal the caller is told about: a fault code from the contract and a message that names what was wrong,
/// the value, and what would be accepted. The message reaches the caller, so it never holds SQL, connection
/// strings, stack traces or secrets.
/// </summary>
public sealed class ExchangeFaultException : Exception
{
    /// <summary>Creates a refusal with <paramref name="code"/> and a message for the caller.</summary>
    public ExchangeFaultException(ExchangeFaultCode code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>Creates a refusal caused by <paramref name="innerException"/> (kept for the server log only).</summary>
    public ExchangeFaultException(ExchangeFaultCode code, string message, Exception innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The contract fault code.</summary>
    public ExchangeFaultCode Code { get; }

    /// <summary>Seconds the caller should wait before trying again (<c>PollTooSoon</c>), or null.</summary>
    public int? RetryAfterSeconds { get; init; }
}
