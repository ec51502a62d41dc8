using Microsoft.Extensions.Logging;

namespace Exchange.WebService.Soap;

/// <summary>
/// The audit trail file: one line per call on the logger <c>Exchange.Audit</c>, which config/nlog.config writes
/// synchronously to logs/audit.log (no async queue that could drop lines). Callers pass identity numbers masked.
/// </summary>
internal static partial class AuditLog
{
    /// <summary>The logger name nlog.config routes to the audit file.</summary>
    public const string LoggerName = "Exchange.Audit";

    /// <summary>Writes the audit line of one call.</summary>
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information,
        Message = "operation={Operation} principal={Principal} object={ObjectId} outcome={Outcome} remote={RemoteAddress} soap={Soap}")]
    public static partial void Call(ILogger logger, string operation, string principal, string objectId, string outcome, string remoteAddress, string soap);

    /// <summary>Writes the audit line of <paramref name="calls"/> unauthenticated calls aggregated for the minute starting at <paramref name="minute"/>.</summary>
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information,
        Message = "operation={Operation} principal={Principal} outcome={Outcome} remote={RemoteAddress} calls={Calls} minute={Minute:yyyy-MM-ddTHH:mm}Z")]
    public static partial void Calls(ILogger logger, DateTimeOffset minute, string operation, string principal, string outcome, string remoteAddress, int calls);
}
