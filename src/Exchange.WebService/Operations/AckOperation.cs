using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary><c>Ack</c>: moves the caller's cursor in a dataset up to a sequence number.</summary>
internal sealed class AckOperation(DeliveryService delivery) : ISoapOperation
{
    /// <inheritdoc />
    public string Name => "Ack";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) =>
        string.Create(CultureInfo.InvariantCulture, $"{ContractXml.Text(request, "Dataset")}:{ContractXml.Text(request, "Seq")}");

    /// <inheritdoc />
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var dataset = ContractXml.Text(request, "Dataset")!;
        var seq = ContractXml.Long(request, "Seq");
        var result = await delivery.AckAsync(principal, dataset, seq, cancellationToken, audit).ConfigureAwait(false);
        return writer =>
        {
            writer.WriteStartElement(null, "AckResponse", SoapNamespaces.Contract.NamespaceName);
            ContractXml.Write(writer, "Dataset", dataset);
            ContractXml.Write(writer, "AckedSeq", result.AckedSeq);
            writer.WriteEndElement();
        };
    }
}
