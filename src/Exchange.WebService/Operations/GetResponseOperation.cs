using System.Xml;
using System.Xml.Linq;
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
    public async Task<Func<XmlWriter, Task>> InvokeAsync(Principal principal, XElement request, CancellationToken cancellationToken)
    {
        var msgId = ContractXml.Text(request, "MsgId")!;
        var found = await requests.GetResponseAsync(principal, msgId, cancellationToken).ConfigureAwait(false);
        return writer => RequestXml.WriteElementAsync(writer, "GetResponseResponse", async () =>
        {
            await ContractXml.WriteAsync(writer, "MsgId", found.Request.MsgId).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "RefMsgId", found.Request.RefMsgId).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "Status", RequestXml.Wire(found.Request.Status)).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "InfCode", found.Answer?.InfCode ?? RequestService.NotAnsweredYet).ConfigureAwait(false);
            if (found.Answer?.ErrMsg is { } errMsg)
            {
                await ContractXml.WriteAsync(writer, "ErrMsg", errMsg).ConfigureAwait(false);
            }

            if (found.Answer?.Output is { } output)
            {
                await ContractXml.WriteAsync(writer, "Output", output).ConfigureAwait(false);
            }

            if (found.RespondedAt is { } respondedAt)
            {
                await RequestXml.WriteAsync(writer, "RespondedAt", respondedAt).ConfigureAwait(false);
            }
        });
    }
}
