using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
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
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var max = ContractXml.Text(request, "MaxRequests") is { } text ? XmlConvert.ToInt32(text) : 10;
        var taken = await requests.TakePendingAsync(principal, max, cancellationToken).ConfigureAwait(false);
        return writer => RequestXml.WriteElement(writer, "TakePendingRequestsResponse", () =>
        {
            foreach (var claim in taken)
            {
                RequestXml.WriteElement(writer, "Request", () =>
                {
                    ContractXml.Write(writer, "RefMsgId", claim.Request.RefMsgId);
                    ContractXml.Write(writer, "InfNo", claim.Request.InfNo);
                    ContractXml.Write(writer, "Insurer", claim.Request.Insurer);
                    ContractXml.Write(writer, "Input", claim.Request.Input);
                    ContractXml.Write(writer, "SubmittedAt", claim.Request.CreatedAt);
                    ContractXml.Write(writer, "Attempt", claim.Request.Attempts);
                    ContractXml.Write(writer, "LeaseUntil", claim.LeaseUntil);
                });
            }
        });
    }
}
