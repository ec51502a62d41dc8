using System.Xml;
using System.Xml.Linq;
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
    public async Task<Func<XmlWriter, Task>> InvokeAsync(Principal principal, XElement request, CancellationToken cancellationToken)
    {
        var payload = Convert.FromBase64String(ContractXml.Text(request, "Payload")!);
        var (header, duplicate) = await push.PushAsync(
            principal,
            ContractXml.Text(request, "Dataset")!,
            ContractXml.Text(request, "BatchKey")!,
            ContractXml.Text(request, "Format")!,
            payload,
            cancellationToken).ConfigureAwait(false);
        return async writer =>
        {
            await writer.WriteStartElementAsync(null, "PushBatchResponse", SoapNamespaces.Contract.NamespaceName).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "BatchId", header.BatchId).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "Seq", header.Seq).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "Duplicate", XmlConvert.ToString(duplicate)).ConfigureAwait(false);
            await writer.WriteEndElementAsync().ConfigureAwait(false);
        };
    }
}
