using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary><c>PushBatch</c>: a source system stores a <c>jsonl+gzip</c> batch, once per <c>BatchKey</c>.</summary>
internal sealed class PushBatchOperation(PushService push) : ISoapOperation
{
    /// <inheritdoc />
    public string Name => "PushBatch";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => $"{ContractXml.Text(request, "Dataset")}:{ContractXml.Text(request, "BatchKey")}";

    /// <inheritdoc />
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var payload = Convert.FromBase64String(ContractXml.Text(request, "Payload")!);
        var (header, duplicate) = await push.PushAsync(
            principal,
            ContractXml.Text(request, "Dataset")!,
            ContractXml.Text(request, "BatchKey")!,
            ContractXml.Text(request, "Format")!,
            payload,
            cancellationToken,
            audit).ConfigureAwait(false);
        return writer =>
        {
            writer.WriteStartElement(null, "PushBatchResponse", SoapNamespaces.Contract.NamespaceName);
            ContractXml.Write(writer, "BatchId", header.BatchId);
            ContractXml.Write(writer, "Seq", header.Seq);
            ContractXml.Write(writer, "Duplicate", XmlConvert.ToString(duplicate));
            writer.WriteEndElement();
        };
    }
}
