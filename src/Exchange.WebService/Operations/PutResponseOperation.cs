using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Requests;
using Exchange.Core.Security;

namespace Exchange.WebService.Operations;

/// <summary><c>PutResponse</c>: a source system stores the one answer of a request it took.</summary>
internal sealed class PutResponseOperation(RequestService requests) : ISoapOperation
{
    /// <inheritdoc />
    public string Name => "PutResponse";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => ContractXml.Text(request, "RefMsgId");

    /// <inheritdoc />
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var refMsgId = ContractXml.Text(request, "RefMsgId")!;
        var answer = new RequestAnswer(
            XmlConvert.ToInt32(ContractXml.Text(request, "InfCode")!),
            ContractXml.Text(request, "ErrMsg"),
            request.Element(Soap.SoapNamespaces.Contract + "Output")?.Value);
        var (stored, wasStored) = await requests.PutResponseAsync(principal, refMsgId, answer, cancellationToken, audit).ConfigureAwait(false);
        return writer => RequestXml.WriteElement(writer, "PutResponseResponse", () =>
        {
            ContractXml.Write(writer, "RefMsgId", stored.RefMsgId);
            ContractXml.Write(writer, "Status", RequestXml.Wire(stored.Status));
            ContractXml.Write(writer, "Stored", XmlConvert.ToString(wasStored));
        });
    }
}
