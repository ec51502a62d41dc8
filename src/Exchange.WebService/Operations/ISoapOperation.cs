using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Security;

namespace Exchange.WebService.Operations;

/// <summary>
/// One operation of the service. It receives the request element after authentication and schema validation,
/// calls Core, and returns what writes the response element.
/// </summary>
internal interface ISoapOperation
{
    /// <summary>The operation name: the local name of its request element in <c>urn:exchange:v1</c>.</summary>
    string Name { get; }

    /// <summary>The object the request is about, for the audit log (a batch id, a dataset), or null.</summary>
    string? ObjectOf(XElement request);

    /// <summary>
    /// Performs the operation for <paramref name="principal"/>; the result writes the response element. An operation that
    /// changes state hands <paramref name="audit"/> to the store, which writes it in the same transaction as the change.
    /// </summary>
    /// <exception cref="Core.Delivery.ExchangeFaultException">A refusal with its fault code.</exception>
    Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken);
}
