using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Requests;
using Exchange.Core.Security;

namespace Exchange.WebService.Operations;

/// <summary><c>GetResponse</c>: the status of the caller's request and, once final, its one answer.</summary>
internal sealed class GetResponseOperation(RequestService requests) : ISoapOperation
{
    /// <inheritdoc />
    public string Name => "GetResponse";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => ContractXml.Text(request, "MsgId");

    /// <inheritdoc />
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var msgId = ContractXml.Text(request, "MsgId")!;
        var found = await requests.GetResponseAsync(principal, msgId, cancellationToken).ConfigureAwait(false);
        return writer => RequestXml.WriteElement(writer, "GetResponseResponse", () =>
        {
            ContractXml.Write(writer, "MsgId", found.Request.MsgId);
            ContractXml.Write(writer, "RefMsgId", found.Request.RefMsgId);
            ContractXml.Write(writer, "Status", RequestXml.Wire(found.Request.Status));
            ContractXml.Write(writer, "InfCode", found.Answer?.InfCode ?? RequestService.NotAnsweredYet);
            if (found.Answer?.ErrMsg is { } errMsg)
            {
                ContractXml.Write(writer, "ErrMsg", errMsg);
            }

            if (found.Answer?.Output is { } output)
            {
                ContractXml.Write(writer, "Output", output);
            }

            if (found.RespondedAt is { } respondedAt)
            {
                ContractXml.Write(writer, "RespondedAt", respondedAt);
            }
        });
    }
}
