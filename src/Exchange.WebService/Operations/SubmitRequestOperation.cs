using System.Xml;
using System.Xml.Linq;
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
    public async Task<Func<XmlWriter, Task>> InvokeAsync(Principal principal, XElement request, CancellationToken cancellationToken)
    {
        var msgId = ContractXml.Text(request, "MsgId")!;
        var infNo = ContractXml.Text(request, "InfNo")!;

        // Input is JSON text; it is not trimmed beyond what the XML carries, so its hash is of what the insurer sent.
        var input = request.Element(Soap.SoapNamespaces.Contract + "Input")!.Value;
        var result = await requests.SubmitAsync(principal, msgId, infNo, input, cancellationToken).ConfigureAwait(false);
        var stored = result.Request;
        return writer => RequestXml.WriteElementAsync(writer, "SubmitRequestResponse", async () =>
        {
            await ContractXml.WriteAsync(writer, "MsgId", stored.MsgId).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "RefMsgId", stored.RefMsgId).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "Status", RequestXml.Wire(stored.Status)).ConfigureAwait(false);
            await RequestXml.WriteAsync(writer, "AcceptedAt", stored.CreatedAt).ConfigureAwait(false);
        });
    }
}
