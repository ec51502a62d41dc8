using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary><c>FetchBatch</c>: one batch's header and its <c>jsonl+gzip</c> payload as base64.</summary>
internal sealed class FetchBatchOperation(DeliveryService delivery) : ISoapOperation
{
    /// <inheritdoc />
    public string Name => "FetchBatch";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => ContractXml.Text(request, "BatchId");

    /// <inheritdoc />
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var batchId = ContractXml.Long(request, "BatchId");
        var batch = await delivery.FetchBatchAsync(principal, batchId, cancellationToken).ConfigureAwait(false);
        return writer =>
        {
            writer.WriteStartElement(null, "FetchBatchResponse", SoapNamespaces.Contract.NamespaceName);
            ContractXml.WriteBatchHeader(writer, "Header", batch.Header);
            writer.WriteStartElement(null, "Payload", SoapNamespaces.Contract.NamespaceName);
            writer.WriteBase64(batch.Payload, 0, batch.Payload.Length);
            writer.WriteEndElement();
            writer.WriteEndElement();
        };
    }
}
