using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Requests;
using Exchange.Core.Security;

namespace Exchange.WebService.Operations;

/// <summary><c>SubmitRequest</c>: stores an insurer's request (or returns the original for a resubmission) and answers at once.</summary>
internal sealed class SubmitRequestOperation(RequestService requests) : ISoapOperation
{
    /// <inheritdoc />
    public string Name => "SubmitRequest";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => $"{ContractXml.Text(request, "MsgId")}:{ContractXml.Text(request, "InfNo")}";

    /// <inheritdoc />
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var msgId = ContractXml.Text(request, "MsgId")!;
        var infNo = ContractXml.Text(request, "InfNo")!;

        // Input is JSON text; it is not trimmed beyond what the XML carries, so its hash is of what the insurer sent.
        var input = request.Element(Soap.SoapNamespaces.Contract + "Input")!.Value;
        var result = await requests.SubmitAsync(principal, msgId, infNo, input, cancellationToken, audit).ConfigureAwait(false);
        var stored = result.Request;
        return writer => RequestXml.WriteElement(writer, "SubmitRequestResponse", () =>
        {
            ContractXml.Write(writer, "MsgId", stored.MsgId);
            ContractXml.Write(writer, "RefMsgId", stored.RefMsgId);
            ContractXml.Write(writer, "Status", RequestXml.Wire(stored.Status));
            ContractXml.Write(writer, "AcceptedAt", stored.CreatedAt);
        });
    }
}
