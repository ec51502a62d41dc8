using System.Buffers;
using System.Xml;
using Exchange.Core.Configuration;
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
/// The SOAP 1.1 pipeline at <c>/ExchangeService</c>: read the envelope (hardened), authenticate, pick the operation by
/// the body element, validate it against the XSD, run it, audit the call, and answer with a response or a fault.
/// </summary>
internal sealed class SoapEndpoint
{
    private const string Anonymous = "(anonymous)";
    private const string UnknownOperation = "(unknown)";

    private readonly SoapContract _contract;
    private readonly PrincipalAuthenticator _authenticator;
    private readonly IStagingStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SoapEndpoint> _logger;
    private readonly Dictionary<string, ISoapOperation> _operations;
    private readonly long _maxBodyBytes;
    private readonly SoapEnvelopeReader _reader;

    public SoapEndpoint(
        SoapContract contract,
        PrincipalAuthenticator authenticator,
        IEnumerable<ISoapOperation> operations,
        IStagingStore store,
        TimeProvider timeProvider,
        IOptions<ExchangeOptions> options,
        ILogger<SoapEndpoint> logger)
    {
        _contract = contract;
        _authenticator = authenticator;
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
        _operations = operations.ToDictionary(o => o.Name, StringComparer.Ordinal);
        _maxBodyBytes = options.Value.Web.MaxRequestBodyBytes;
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
        await context.Response.WriteAsync("ExchangeService: GET ?wsdl for the service description; POST SOAP 1.1 envelopes (text/xml).\n", context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers a SOAP 1.1 <c>POST /ExchangeService</c>.</summary>
    public async Task HandlePostAsync(HttpContext context)
    {
        var started = Core.Diagnostics.ExchangeMetrics.Start();
        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "(unknown)";
        var principalName = Anonymous;
        var operationName = UnknownOperation;
        string? objectId = null;
        Func<XmlWriter, Task>? writeBody = null;
        ExchangeFaultCode? fault = null;
        var faultMessage = "";
        try
        {
            RequireSoap11ContentType(context.Request.ContentType);
            using var body = await ReadBodyAsync(context).ConfigureAwait(false);
            var envelope = _reader.Read(body);
            if (envelope.Body.Name.Namespace == SoapNamespaces.Contract && envelope.Body.Name.LocalName.Length <= 64)
            {
                operationName = envelope.Body.Name.LocalName;
            }

            var principal = Authenticate(envelope, context.Request.Headers.Authorization, remote);
            principalName = principal.Name;
            var operation = FindOperation(envelope);
            RequireConsistentAction(context.Request.Headers["SOAPAction"], operation.Name);
            _contract.Validate(envelope.Body);
            objectId = operation.ObjectOf(envelope.Body);
            writeBody = await operation.InvokeAsync(principal, envelope.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ExchangeFaultException ex)
        {
            fault = ex.Code;
            faultMessage = ex.Message;
            if (ex.Code != ExchangeFaultCode.AuthFailed)
            {
                SoapLog.Refused(_logger, operationName, principalName, remote, ex.Code.ToString(), ex.Message);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer, but the attempt is still audited.
            fault = ExchangeFaultCode.Unavailable;
        }
        catch (Exception ex)
        {
            // Never let the exception text reach the caller: it may hold SQL, paths or connection details.
            SoapLog.Unexpected(_logger, ex, operationName, principalName, remote);
            fault = ExchangeFaultCode.Unavailable;
            faultMessage = "The service could not answer this request; try again later. The failure was logged.";
        }

        var outcome = fault?.ToString() ?? "ok";
        Core.Diagnostics.ExchangeMetrics.Instance.SoapCall(operationName, outcome, started);
        try
        {
            var entry = new AuditEntry(_timeProvider.GetUtcNow(), principalName, operationName, objectId, outcome, remote);
            await _store.WriteAuditAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A call that cannot be audited is not answered as a success.
            SoapLog.AuditFailed(_logger, ex, operationName, principalName, outcome);
            if (fault is null)
            {
                fault = ExchangeFaultCode.Unavailable;
                faultMessage = "The service could not record this request; try again later. The failure was logged.";
            }
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (fault is { } code)
        {
            await SoapResponseWriter.WriteFaultAsync(context.Response, code, faultMessage).ConfigureAwait(false);
            return;
        }

        SoapLog.Completed(_logger, operationName, objectId, principalName, remote);
        await SoapResponseWriter.WriteResponseAsync(context.Response, writeBody!).ConfigureAwait(false);
    }

    private Principal Authenticate(SoapEnvelope envelope, string? authorization, string remote)
    {
        SoapCredentials credentials;
        try
        {
            credentials = SoapCredentials.From(envelope, authorization);
        }
        catch (ExchangeFaultException ex)
        {
            SoapLog.AuthenticationFailed(_logger, Anonymous, remote, ex.Message);
            throw;
        }

        var principal = _authenticator.Authenticate(credentials.UserName, credentials.Password);
        if (principal is null)
        {
            SoapLog.AuthenticationFailed(_logger, credentials.UserName, remote, $"unknown name or wrong password ({credentials.Source})");

            // The same answer for an unknown name and a wrong password, so names cannot be probed.
            throw new ExchangeFaultException(
                ExchangeFaultCode.AuthFailed,
                "Authentication failed: unknown name or wrong password. Check the configured credentials.");
        }

        return principal;
    }

    private ISoapOperation FindOperation(SoapEnvelope envelope)
    {
        var name = envelope.Body.Name;
        if (name.Namespace == SoapNamespaces.Contract && _operations.TryGetValue(name.LocalName, out var operation))
        {
            return operation;
        }

        var shown = name.LocalName.Length <= 64 ? name.LocalName : name.LocalName[..64] + "…";
        var ns = name.NamespaceName.Length <= 128 ? name.NamespaceName : name.NamespaceName[..128] + "…";
        throw new ExchangeFaultException(
            ExchangeFaultCode.InvalidRequest,
            $"Unknown operation '{shown}' in namespace '{ns}'; this service offers {string.Join(", ", _operations.Keys)} in namespace {SoapNamespaces.Contract}.");
    }

    private static void RequireSoap11ContentType(string? contentType)
    {
        if (contentType is not null && contentType.StartsWith("text/xml", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var shown = string.IsNullOrEmpty(contentType) ? "(none)" : contentType.Length <= 80 ? contentType : contentType[..80] + "…";
        throw new ExchangeFaultException(
            ExchangeFaultCode.InvalidRequest,
            $"Content type '{shown}' is not accepted; send SOAP 1.1 envelopes as text/xml.");
    }

    private static void RequireConsistentAction(string? soapAction, string operation)
    {
        // SOAPAction is optional in practice ("" or absent); when a client sends one, it must name this operation.
        var action = soapAction?.Trim().Trim('"');
        if (string.IsNullOrEmpty(action))
        {
            return;
        }

        var expected = SoapNamespaces.ActionOf(operation);
        if (!string.Equals(action, expected, StringComparison.Ordinal))
        {
            var shown = action.Length <= 128 ? action : action[..128] + "…";
            throw new ExchangeFaultException(
                ExchangeFaultCode.InvalidRequest,
                $"SOAPAction '{shown}' does not match the body's operation {operation}; send \"{expected}\" or leave it empty.");
        }
    }

    private async Task<MemoryStream> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _maxBodyBytes)
        {
            throw TooLarge(context.Request.ContentLength.Value);
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = _maxBodyBytes;
        }

        // The envelope is read into memory (bounded) so the XML parser never does synchronous I/O on the request.
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > _maxBodyBytes)
                {
                    throw TooLarge(buffer.Length + read);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(_maxBodyBytes + 1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        buffer.Position = 0;
        return buffer;
    }

    private ExchangeFaultException TooLarge(long size) =>
        new(ExchangeFaultCode.InvalidRequest, $"The request body has at least {size} bytes; at most {_maxBodyBytes} are accepted.");
}
