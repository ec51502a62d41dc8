using System.Buffers;
using System.Xml;
using Exchange.Core.Audit;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.WebService.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.WebService.Soap;

/// <summary>
/// The SOAP pipeline at <c>/ExchangeService</c>: pick the SOAP version by content type, read the envelope (hardened),
/// authenticate, apply the principal's rate limit, pick the operation by the body element, check the action, validate
/// it against the XSD, run it, audit the call (table and audit log file), and answer with a response or a fault.
/// </summary>
internal sealed class SoapEndpoint
{
    private const string Anonymous = StrangerAudit.Anonymous;

    // The metrics and aggregated-audit label of a body element that is not one of the contract's operations.
    private const string OtherOperation = "other";

    // Most bytes of an oversized body of unknown length read and thrown away so the caller can read the fault.
    private const long MaxDrainBytes = 64L * 1024 * 1024;

    private readonly SoapContract _contract;
    private readonly SoapAuthentication _authentication;
    private readonly IPrincipalRateLimit _rateLimiter;
    private readonly FailedAuthenticationThrottle _failedAuthentications;
    private readonly AuditTrail _auditTrail;
    private readonly StrangerAudit _strangers;
    private readonly CallerEndpoint _callers;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SoapEndpoint> _logger;
    private readonly Dictionary<string, ISoapOperation> _operations;
    private readonly long _maxBodyBytes;
    private readonly SoapEnvelopeReader _reader;

    public SoapEndpoint(
        SoapContract contract,
        SoapAuthentication authentication,
        IPrincipalRateLimit rateLimiter,
        FailedAuthenticationThrottle failedAuthentications,
        IEnumerable<ISoapOperation> operations,
        AuditTrail auditTrail,
        StrangerAudit strangers,
        CallerEndpoint callers,
        TimeProvider timeProvider,
        IOptions<ServiceOptions> service,
        ILoggerFactory loggerFactory)
    {
        _contract = contract;
        _authentication = authentication;
        _rateLimiter = rateLimiter;
        _failedAuthentications = failedAuthentications;
        _auditTrail = auditTrail;
        _strangers = strangers;
        _callers = callers;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<SoapEndpoint>();
        _operations = operations.ToDictionary(o => o.Name, StringComparer.Ordinal);
        _maxBodyBytes = service.Value.Web.MaxRequestBodyBytes;
        _reader = new SoapEnvelopeReader(SoapReaderLimits.ForBody(_maxBodyBytes));
    }

    /// <summary>Answers <c>GET /ExchangeService?wsdl</c> (and <c>?xsd</c>).</summary>
    public async Task HandleGetAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Query.ContainsKey("wsdl"))
        {
            var serviceUrl = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}";
            context.Response.ContentType = SoapResponseWriter.ContentType;
            await context.Response.WriteAsync(_contract.WsdlFor(serviceUrl), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (request.Query.ContainsKey("xsd"))
        {
            context.Response.ContentType = SoapResponseWriter.ContentType;
            await context.Response.WriteAsync(_contract.Xsd.Declaration + "\n" + _contract.Xsd, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("ExchangeService: GET ?wsdl for the service description; POST SOAP 1.1 envelopes (text/xml) or SOAP 1.2 envelopes (application/soap+xml).\n", context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers a SOAP 1.1 or SOAP 1.2 <c>POST /ExchangeService</c>.</summary>
    public async Task HandlePostAsync(HttpContext context)
    {
        var started = Core.Diagnostics.ExchangeMetrics.Start();
        var (remoteAddress, secure) = _callers.Of(context);
        var remote = remoteAddress?.ToString() ?? "(unknown)";
        var principalName = Anonymous;

        // Only the contract's operation names (and "other") ever become a label or an audit value: a stranger's made-up
        // element names must not grow the metrics or the audit.
        var operationName = OtherOperation;
        var version = SoapVersion.Soap11;
        string? maskedObject = null;
        AuditRecord? stateChange = null;
        Action<XmlWriter>? writeBody = null;
        SoapFault? fault = null;
        try
        {
            var selected = SoapVersion.FromRequest(context.Request) ?? throw UnsupportedContentType(context.Request.ContentType);
            version = selected.Version;
            using var body = await ReadBodyAsync(context).ConfigureAwait(false);
            var envelope = _reader.Read(body, version);
            if (envelope.Body.Name.Namespace == SoapNamespaces.Contract && _contract.Declares(envelope.Body.Name.LocalName))
            {
                operationName = envelope.Body.Name.LocalName;
            }

            var blocked = _failedAuthentications.SecondsToWait(remote);
            if (blocked > 0)
            {
                throw new SoapProtocolException(new SoapFault(
                    ExchangeFaultCode.AuthFailed,
                    $"Too many failed authentications from {remote}; credentials are not checked for {blocked} s. Fix the configured credentials before retrying.",
                    SoapFaultKind.Sender,
                    StatusCodes.Status429TooManyRequests,
                    blocked));
            }

            Principal principal;
            DigestCheck? digest;
            try
            {
                (principal, digest) = await _authentication.AuthenticateAsync(envelope, context, remoteAddress, secure, remote).ConfigureAwait(false);
            }
            catch (ExchangeFaultException ex) when (ex.Code == ExchangeFaultCode.AuthFailed)
            {
                await _failedAuthentications.FailedAsync(remote, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            if (digest is null)
            {
                principalName = principal.Name;
            }

            var wait = await _rateLimiter.SecondsToWaitAsync(principal.Name, context.RequestAborted).ConfigureAwait(false);
            if (wait > 0)
            {
                throw new SoapProtocolException(new SoapFault(
                    ExchangeFaultCode.Unavailable,
                    $"'{principal.Name}' calls faster than the agreed rate limit; try again in {wait} s.",
                    SoapFaultKind.Receiver,
                    StatusCodes.Status429TooManyRequests,
                    wait));
            }

            if (digest is not null)
            {
                // The nonce is recorded only for a call the rate limit admitted, so a flood of fresh tokens cannot fill the cache.
                // Until it is, the caller is not authenticated: a replay is audited (and throttled) as a stranger's call.
                try
                {
                    await _authentication.UseNonceAsync(digest, remote, context.RequestAborted).ConfigureAwait(false);
                }
                catch (ExchangeFaultException)
                {
                    await _failedAuthentications.FailedAsync(remote, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }

                principalName = principal.Name;
            }

            var operation = FindOperation(envelope);
            RequireConsistentAction(selected.Action, operation.Name, version);
            _contract.Validate(envelope.Body);
            maskedObject = operation.ObjectOf(envelope.Body) is { } objectId ? IdentityNumber.MaskWithin(objectId) : null;
            stateChange = new AuditRecord(new AuditEntry(_timeProvider.GetUtcNow(), principal.Name, operationName, maskedObject, "ok", remote));
            writeBody = await operation.InvokeAsync(principal, envelope.Body, stateChange, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ExchangeFaultException ex)
        {
            fault = SoapFault.From(ex);
            if (ex.Code != ExchangeFaultCode.AuthFailed)
            {
                SoapLog.Refused(_logger, operationName, principalName, remote, ex.Code.ToString(), IdentityNumber.MaskWithin(ex.Message));
            }
        }
        catch (SoapProtocolException ex)
        {
            fault = ex.Fault;
            version = ex.AnswerIn ?? version;
            SoapLog.Refused(_logger, operationName, principalName, remote, $"{ex.Fault.Code}/{ex.Fault.Kind}", IdentityNumber.MaskWithin(ex.Message));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer, but the attempt is still audited.
            fault = new SoapFault(ExchangeFaultCode.Unavailable, "The caller closed the connection.", SoapFaultKind.Receiver);
        }
        catch (Exception ex)
        {
            // Never let the exception text reach the caller: it may hold SQL, paths or connection details.
            SoapLog.Unexpected(_logger, ex, operationName, principalName, remote);
            fault = new SoapFault(ExchangeFaultCode.Unavailable, "The service could not answer this request; try again later. The failure was logged.", SoapFaultKind.Receiver);
        }

        var outcome = fault?.Code.ToString() ?? "ok";
        Core.Diagnostics.ExchangeMetrics.Instance.SoapCall(operationName, outcome, started);
        if (ReferenceEquals(principalName, Anonymous))
        {
            // Strangers are audited aggregated (one record per address, outcome and minute), so they cannot fill the disk:
            // the first call of a key waits for its record like any call, the rest are counted into it.
            if (_strangers.Record(remote, operationName, outcome) is { } first)
            {
                fault = await AuditAsync(first, version, fault).ConfigureAwait(false);
            }
        }
        else if (stateChange is { Stored: true } && fault is null)
        {
            // The store wrote the record in the transaction of the change itself; only the file line is left to write.
            _auditTrail.WriteFileLine(stateChange.Entry, version.Name);
        }
        else
        {
            fault = await AuditAsync(new AuditEntry(_timeProvider.GetUtcNow(), principalName, operationName, maskedObject, outcome, remote), version, fault).ConfigureAwait(false);
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (fault is not null)
        {
            await SoapResponseWriter.WriteFaultAsync(context.Response, version, fault).ConfigureAwait(false);
            return;
        }

        SoapLog.Completed(_logger, operationName, maskedObject, principalName, remote);
        await SoapResponseWriter.WriteResponseAsync(context.Response, version, writeBody!).ConfigureAwait(false);
    }

    private async Task<SoapFault?> AuditAsync(AuditEntry entry, SoapVersion version, SoapFault? fault)
    {
        try
        {
            // The audit file line and the audit row are both written before the caller gets an answer.
            await _auditTrail.WriteAsync(entry, version.Name).ConfigureAwait(false);
            return fault;
        }
        catch (AuditQueueFullException ex)
        {
            // The store does not keep up: refuse rather than queue without bound; the caller retries after a second.
            SoapLog.AuditQueueFull(_logger, entry.Operation, entry.Principal);
            return fault ?? new SoapFault(ExchangeFaultCode.Unavailable, ex.Message, SoapFaultKind.Receiver, StatusCodes.Status503ServiceUnavailable, 1);
        }
        catch (Exception ex)
        {
            // A call that cannot be audited is not answered as a success.
            SoapLog.AuditFailed(_logger, ex, entry.Operation, entry.Principal, entry.Outcome);
            return fault ?? new SoapFault(ExchangeFaultCode.Unavailable, "The service could not record this request; try again later. The failure was logged.", SoapFaultKind.Receiver);
        }
    }

    private ISoapOperation FindOperation(SoapEnvelope envelope)
    {
        var name = envelope.Body.Name;
        if (name.Namespace == SoapNamespaces.Contract && _operations.TryGetValue(name.LocalName, out var operation))
        {
            return operation;
        }

        var shown = name.LocalName.Length <= 64 ? name.LocalName : name.LocalName[..64] + "…";
        var offered = string.Join(", ", _operations.Keys);
        if (name.Namespace == SoapNamespaces.Contract && _contract.Declares(name.LocalName))
        {
            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"Operation '{shown}' is part of the contract but not offered by this service yet; it offers {offered}.");
        }

        var ns = name.NamespaceName.Length <= 128 ? name.NamespaceName : name.NamespaceName[..128] + "…";
        throw new ExchangeFaultException(
            ExchangeFaultCode.InvalidRequest,
            $"Unknown operation '{shown}' in namespace '{ns}'; this service offers {offered} in namespace {SoapNamespaces.Contract}.");
    }

    private static SoapProtocolException UnsupportedContentType(string? contentType)
    {
        var shown = string.IsNullOrEmpty(contentType) ? "(none)" : contentType.Length <= 80 ? contentType : contentType[..80] + "…";
        return new SoapProtocolException(new SoapFault(
            ExchangeFaultCode.InvalidRequest,
            $"Content type '{shown}' is not accepted; send SOAP 1.1 envelopes as text/xml or SOAP 1.2 envelopes as application/soap+xml.",
            SoapFaultKind.Sender,
            StatusCodes.Status415UnsupportedMediaType));
    }

    private static void RequireConsistentAction(string? action, string operation, SoapVersion version)
    {
        // The action is optional in practice (SOAPAction "" or absent, no action parameter); when sent, it must name this operation.
        if (string.IsNullOrEmpty(action))
        {
            return;
        }

        var expected = SoapNamespaces.ActionOf(operation);
        if (!string.Equals(action, expected, StringComparison.Ordinal))
        {
            var shown = action.Length <= 128 ? action : action[..128] + "…";
            var where = version == SoapVersion.Soap12 ? "The action parameter" : "SOAPAction";
            var how = version == SoapVersion.Soap12 ? $"action=\"{expected}\" in the content type" : $"\"{expected}\"";
            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"{where} '{shown}' does not match the body's operation {operation}; send {how} or leave it out.");
        }
    }

    private async Task<MemoryStream> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _maxBodyBytes)
        {
            throw TooLarge(context.Request.ContentLength.Value);
        }

        // Kestrel's own limit is raised to the drain bound: past our limit the rest of a body of unknown length is read and
        // discarded (no memory kept), so a client still sending can read the fault instead of a connection reset.
        var drainLimit = Math.Max(_maxBodyBytes, Math.Min(_maxBodyBytes * 16, MaxDrainBytes));
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = drainLimit;
        }

        // The envelope is read into memory (bounded) so the XML parser never does synchronous I/O on the request.
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        long total = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total <= _maxBodyBytes)
                {
                    buffer.Write(chunk, 0, read);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(drainLimit + 1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (total > _maxBodyBytes)
        {
            throw TooLarge(total);
        }

        buffer.Position = 0;
        return buffer;
    }

    private SoapProtocolException TooLarge(long size) => new(new SoapFault(
        ExchangeFaultCode.InvalidRequest,
        $"The request body has at least {size} bytes; at most {_maxBodyBytes} are accepted.",
        SoapFaultKind.Sender,
        StatusCodes.Status413PayloadTooLarge));
}
