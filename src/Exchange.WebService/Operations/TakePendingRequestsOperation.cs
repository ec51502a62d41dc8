using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Requests;
using Exchange.Core.Security;

namespace Exchange.WebService.Operations;

/// <summary><c>TakePendingRequests</c>: a source system claims the oldest pending requests of its external function codes.</summary>
internal sealed class TakePendingRequestsOperation(RequestService requests) : ISoapOperation
{
    /// <inheritdoc />
    public string Name => "TakePendingRequests";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => ContractXml.Text(request, "MaxRequests");

    /// <inheritdoc />
    public async Task<Func<XmlWriter, Task>> InvokeAsync(Principal principal, XElement request, CancellationToken cancellationToken)
    {
        var max = ContractXml.Text(request, "MaxRequests") is { } text ? XmlConvert.ToInt32(text) : 10;
        var taken = await requests.TakePendingAsync(principal, max, cancellationToken).ConfigureAwait(false);
        return writer => RequestXml.WriteElementAsync(writer, "TakePendingRequestsResponse", async () =>
        {
            foreach (var claim in taken)
            {
                await RequestXml.WriteElementAsync(writer, "Request", async () =>
                {
                    await ContractXml.WriteAsync(writer, "RefMsgId", claim.Request.RefMsgId).ConfigureAwait(false);
                    await ContractXml.WriteAsync(writer, "InfNo", claim.Request.InfNo).ConfigureAwait(false);
                    await ContractXml.WriteAsync(writer, "Insurer", claim.Request.Insurer).ConfigureAwait(false);
                    await ContractXml.WriteAsync(writer, "Input", claim.Request.Input).ConfigureAwait(false);
                    await RequestXml.WriteAsync(writer, "SubmittedAt", claim.Request.CreatedAt).ConfigureAwait(false);
                    await ContractXml.WriteAsync(writer, "Attempt", claim.Request.Attempts).ConfigureAwait(false);
                    await RequestXml.WriteAsync(writer, "LeaseUntil", claim.LeaseUntil).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
        });
    }
}
