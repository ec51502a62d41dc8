using Microsoft.Extensions.Logging;

namespace Exchange.WebService.Soap;

/// <summary>Source-generated log messages of the SOAP endpoint. No message takes a password.</summary>
internal static partial class SoapLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Authentication failed for '{Principal}' from {RemoteAddress}: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string principal, string remoteAddress, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "{Operation} by {Principal} from {RemoteAddress} refused: {Code} {Reason}")]
    public static partial void Refused(ILogger logger, string operation, string principal, string remoteAddress, string code, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "{Operation} {ObjectId} by {Principal} from {RemoteAddress} ok")]
    public static partial void Completed(ILogger logger, string operation, string? objectId, string principal, string remoteAddress);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "{Operation} by {Principal} from {RemoteAddress} failed unexpectedly; the caller was told Unavailable")]
    public static partial void Unexpected(ILogger logger, Exception exception, string operation, string principal, string remoteAddress);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Audit record for {Operation} by {Principal} ({Outcome}) could not be written")]
    public static partial void AuditFailed(ILogger logger, Exception exception, string operation, string principal, string outcome);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Audit queue full: {Operation} by {Principal} was refused with Unavailable; the staging store does not keep up")]
    public static partial void AuditQueueFull(ILogger logger, string operation, string principal);
}
