using System.Text.Json;
using Exchange.Core.Audit;
using Exchange.Core.Configuration;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Requests;

/// <summary>
/// What the service's request operations do for a principal: insurers submit requests and read their answers; source
/// systems take requests of external function codes and put their answers. Each insurer's MsgIds are its own namespace.
/// </summary>
public sealed class RequestService(IRequestStore store, IOptionsMonitor<ScheduleOptions> schedule)
{
    /// <summary>The <c>InfCode</c> returned while a request has no answer yet (<c>Status</c> Pending or Processing).</summary>
    public const int NotAnsweredYet = 1;

    /// <summary>Most requests one <c>TakePendingRequests</c> hands out.</summary>
    public const int MaxTake = 100;

    /// <summary>Stores a request, or returns the original for a resubmission of the same MsgId with the same content.</summary>
    /// <exception cref="ExchangeFaultException"><c>Forbidden</c> for a function code the insurer may not use or a non-insurer;
    /// <c>InvalidRequest</c> for a function code that is not configured or an input that does not fit its parameters;
    /// <c>DuplicateMsgId</c> for a MsgId used before with different content.</exception>
    public async Task<SubmitResult> SubmitAsync(Principal principal, string msgId, string infNo, string input, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        RequireRole(principal, PrincipalRole.Insurer, "SubmitRequest");
        var options = schedule.CurrentValue.RequestTypes;
        if (!principal.FunctionCodes.Contains(infNo))
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.Forbidden,
                $"Function code (InfNo) '{Shown(infNo)}' is not allowed for '{principal.Name}'; allowed function codes: {Allowed(principal)}.");
        }

        var type = options.Find(infNo) ?? throw new ExchangeFaultException(
            ExchangeFaultCode.InvalidRequest,
            $"Function code (InfNo) '{infNo}' is not offered by this exchange now; offered and allowed for you: {Offered(principal, options)}.");

        RequestInput checkedInput;
        try
        {
            checkedInput = RequestInput.Parse(type, input, options.MaxInputChars);
        }
        catch (RequestInputException error)
        {
            throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, error.Message);
        }

        var result = await store.SubmitRequestAsync(
            new NewRequest(principal.Name, msgId, infNo, checkedInput.Canonical, checkedInput.Sha256, type.Expiry), cancellationToken, audit).ConfigureAwait(false);
        if (result.Outcome == SubmitOutcome.DuplicateMsgId)
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.DuplicateMsgId,
                $"MsgId '{msgId}' was submitted before with different content (RefMsgId {result.Request.RefMsgId}, function {result.Request.InfNo}); " +
                "resend exactly the first content to read its status, or use a new MsgId for a new request.");
        }

        return result;
    }

    /// <summary>The caller's request with <paramref name="msgId"/> and its answer once it has one; a final answer is marked read.</summary>
    /// <exception cref="ExchangeFaultException"><c>InvalidRequest</c> when the caller submitted no request with that MsgId
    /// (another insurer's MsgId is answered the same way); <c>Forbidden</c> for a non-insurer.</exception>
    public async Task<RequestWithResponse> GetResponseAsync(Principal principal, string msgId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        RequireRole(principal, PrincipalRole.Insurer, "GetResponse");
        return await store.GetResponseAsync(principal.Name, msgId, markRead: true, cancellationToken).ConfigureAwait(false)
            ?? throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"You have submitted no request with MsgId '{msgId}'; use the MsgId of one of your SubmitRequest calls.");
    }

    /// <summary>MsgIds of the insurer's answered requests not read yet (empty for a non-insurer), for <c>Poll</c>.</summary>
    public async Task<IReadOnlyList<string>> UnreadAnsweredAsync(Principal principal, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.Role != PrincipalRole.Insurer
            ? []
            : await store.GetUnreadAnsweredMsgIdsAsync(principal.Name, Math.Max(1, max), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims, for a source system, the oldest pending requests of the external function codes it may answer, under a lease
    /// of <see cref="RequestTypesOptions.LeaseTime"/>.
    /// </summary>
    /// <exception cref="ExchangeFaultException"><c>Forbidden</c> for a non-source; <c>InvalidRequest</c> for a bad <paramref name="max"/>.</exception>
    public async Task<IReadOnlyList<ClaimedRequest>> TakePendingAsync(Principal principal, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        RequireRole(principal, PrincipalRole.Source, "TakePendingRequests");
        if (max is < 1 or > MaxTake)
        {
            throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, $"MaxRequests must be between 1 and {MaxTake}, was {max}.");
        }

        var options = schedule.CurrentValue.RequestTypes;
        var codes = options.Types
            .Where(t => t.Mode == RequestAnswerMode.External && principal.FunctionCodes.Contains(t.InfNo))
            .Select(t => t.InfNo)
            .ToList();
        return await store.ClaimRequestsAsync(principal.Name, codes, max, options.LeaseTime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a source system's answer to the request it took; returns the request afterwards and whether this call stored
    /// the answer (false when the same request was answered before: a repeated put changes nothing).
    /// </summary>
    /// <exception cref="ExchangeFaultException"><c>Forbidden</c> for a non-source or a function code it may not answer;
    /// <c>InvalidRequest</c> for an unknown RefMsgId, a request not taken by the caller, or an answer that is not well formed.</exception>
    public async Task<(StoredRequest Request, bool Stored)> PutResponseAsync(Principal principal, string refMsgId, RequestAnswer answer, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(answer);
        RequireRole(principal, PrincipalRole.Source, "PutResponse");
        CheckAnswer(answer);
        var request = await store.GetRequestByRefAsync(refMsgId, cancellationToken).ConfigureAwait(false);
        if (request is null || !principal.FunctionCodes.Contains(request.InfNo))
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"RefMsgId '{refMsgId}' is not a request you can answer; put responses for RefMsgIds returned by TakePendingRequests.");
        }

        if (request.IsFinal)
        {
            return (request, false);
        }

        if (!await store.CompleteRequestAsync(request.RequestId, principal.Name, answer, cancellationToken, audit).ConfigureAwait(false))
        {
            var now = await store.GetRequestByRefAsync(refMsgId, cancellationToken).ConfigureAwait(false) ?? request;
            if (now.IsFinal)
            {
                return (now, false);
            }

            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"Request {refMsgId} is {now.Status} and not taken by '{principal.Name}' (its lease may have run out); take it again with TakePendingRequests.");
        }

        return ((await store.GetRequestByRefAsync(refMsgId, cancellationToken).ConfigureAwait(false))!, true);
    }

    private static void CheckAnswer(RequestAnswer answer)
    {
        if (answer.InfCode == RequestAnswer.Success)
        {
            if (answer.Output is null)
            {
                throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, "InfCode 0 (success) needs an Output with the answer as JSON.");
            }

            try
            {
                using var _ = JsonDocument.Parse(answer.Output);
            }
            catch (JsonException)
            {
                throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, "Output is not valid JSON; send the answer as a JSON value (for example an array of objects).");
            }
        }
        else if (answer.InfCode == RequestAnswer.Failure)
        {
            if (string.IsNullOrWhiteSpace(answer.ErrMsg))
            {
                throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, "InfCode -1 (failure) needs an ErrMsg the insurer can read.");
            }
        }
        else
        {
            throw new ExchangeFaultException(ExchangeFaultCode.InvalidRequest, $"InfCode must be 0 (success) or -1 (failure), was {answer.InfCode}.");
        }
    }

    private static void RequireRole(Principal principal, PrincipalRole role, string operation)
    {
        if (principal.Role != role)
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.Forbidden,
                $"{operation} is for principals with role '{role.ToString().ToLowerInvariant()}'; '{principal.Name}' has role '{principal.Role.ToString().ToLowerInvariant()}'.");
        }
    }

    private static string Allowed(Principal principal) =>
        principal.FunctionCodes.Count == 0 ? "(none)" : string.Join(", ", principal.FunctionCodes.Order(StringComparer.Ordinal));

    private static string Offered(Principal principal, RequestTypesOptions options)
    {
        var offered = options.Types.Select(t => t.InfNo).Where(principal.FunctionCodes.Contains).Order(StringComparer.Ordinal).ToList();
        return offered.Count == 0 ? "(none)" : string.Join(", ", offered);
    }

    private static string Shown(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
