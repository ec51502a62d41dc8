using System.Xml.Linq;
using Exchange.Core.Delivery;

namespace Exchange.WebService.Soap;

/// <summary>The SOAP-level class of a fault (<c>faultcode</c> in SOAP 1.1, <c>env:Code/env:Value</c> in SOAP 1.2).</summary>
internal enum SoapFaultKind
{
    /// <summary>The request is at fault (1.1 <c>Client</c>, 1.2 <c>Sender</c>).</summary>
    Sender = 0,

    /// <summary>The service is at fault (1.1 <c>Server</c>, 1.2 <c>Receiver</c>).</summary>
    Receiver = 1,

    /// <summary>The envelope is not of the version the request was sent as.</summary>
    VersionMismatch = 2,

    /// <summary>A header block marked mustUnderstand is not understood.</summary>
    MustUnderstand = 3,
}

/// <summary>A fault to answer: the contract code and message, its SOAP class, and HTTP details.</summary>
/// <param name="Code">The <c>ExchangeFault/Code</c>.</param>
/// <param name="Message">The <c>ExchangeFault/Message</c>, also the fault string / reason.</param>
/// <param name="Kind">The SOAP fault class.</param>
/// <param name="HttpStatus">An HTTP status that replaces the version's default (413, 415, 429), or null.</param>
/// <param name="RetryAfterSeconds">Seconds the caller should wait (<c>PollTooSoon</c>, rate limits), or null.</param>
/// <param name="NotUnderstood">The header block not understood (SOAP 1.2 <c>env:NotUnderstood</c>), or null.</param>
internal sealed record SoapFault(
    ExchangeFaultCode Code,
    string Message,
    SoapFaultKind Kind,
    int? HttpStatus = null,
    int? RetryAfterSeconds = null,
    XName? NotUnderstood = null)
{
    /// <summary>The fault for a refusal from Core: <c>Unavailable</c> is the service's fault, every other code the caller's.</summary>
    public static SoapFault From(ExchangeFaultException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new(
            refusal.Code,
            refusal.Message,
            refusal.Code == ExchangeFaultCode.Unavailable ? SoapFaultKind.Receiver : SoapFaultKind.Sender,
            RetryAfterSeconds: refusal.RetryAfterSeconds);
    }
}

/// <summary>
/// A refusal at the SOAP protocol level (wrong envelope version, a mustUnderstand header not understood, a body too
/// large, a content type not spoken). It reaches the caller as an <c>InvalidRequest</c> fault of <see cref="Fault"/>'s kind.
/// </summary>
internal sealed class SoapProtocolException : Exception
{
    /// <summary>Creates the refusal; <paramref name="answerIn"/> overrides the version the fault is written in.</summary>
    public SoapProtocolException(SoapFault fault, SoapVersion? answerIn = null)
        : base(fault.Message)
    {
        Fault = fault;
        AnswerIn = answerIn;
    }

    /// <summary>The fault to answer.</summary>
    public SoapFault Fault { get; }

    /// <summary>The SOAP version to answer in instead of the request's, or null.</summary>
    public SoapVersion? AnswerIn { get; }
}
