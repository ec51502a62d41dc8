using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Delivery;
using Exchange.Core.Requests;
using Exchange.Core.Security;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary><c>Poll</c>: the headers of unacknowledged batches.</summary>
internal sealed class PollOperation(DeliveryService delivery, RequestService requests) : ISoapOperation
{
    // Answered requests listed per poll; the rest follow once these are read with GetResponse.
    private const int MaxCompletedPerPoll = 100;

    /// <inheritdoc />
    public string Name => "Poll";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => ContractXml.Text(request, "Dataset");

    /// <inheritdoc />
    public async Task<Func<XmlWriter, Task>> InvokeAsync(Principal principal, XElement request, CancellationToken cancellationToken)
    {
        var dataset = ContractXml.Text(request, "Dataset");
        var max = ContractXml.Text(request, "MaxBatches") is { } text ? XmlConvert.ToInt32(text) : (int?)null;
        var result = await delivery.PollAsync(principal, dataset, max, cancellationToken).ConfigureAwait(false);
        result = result with { CompletedRequestMsgIds = await requests.UnreadAnsweredAsync(principal, MaxCompletedPerPoll, cancellationToken).ConfigureAwait(false) };
        return async writer =>
        {
            await writer.WriteStartElementAsync(null, "PollResponse", SoapNamespaces.Contract.NamespaceName).ConfigureAwait(false);
            foreach (var header in result.Batches)
            {
                await ContractXml.WriteBatchHeaderAsync(writer, "Batch", header).ConfigureAwait(false);
            }

            await ContractXml.WriteAsync(writer, "HasMore", XmlConvert.ToString(result.HasMore)).ConfigureAwait(false);
            await ContractXml.WriteAsync(writer, "NextPollAfterSeconds", result.NextPollAfterSeconds).ConfigureAwait(false);
            foreach (var msgId in result.CompletedRequestMsgIds)
            {
                await writer.WriteStartElementAsync(null, "CompletedRequest", SoapNamespaces.Contract.NamespaceName).ConfigureAwait(false);
                await ContractXml.WriteAsync(writer, "MsgId", msgId).ConfigureAwait(false);
                await writer.WriteEndElementAsync().ConfigureAwait(false);
            }

            await writer.WriteEndElementAsync().ConfigureAwait(false);
        };
    }
}
