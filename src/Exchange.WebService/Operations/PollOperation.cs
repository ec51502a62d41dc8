using System.Xml;
using System.Xml.Linq;
using Exchange.Core.Audit;
using Exchange.Core.Delivery;
using Exchange.Core.Requests;
using Exchange.Core.Security;
using Exchange.WebService.Soap;

namespace Exchange.WebService.Operations;

/// <summary><c>Poll</c>: the headers of unacknowledged batches.</summary>
internal sealed class PollOperation(DeliveryService delivery, RequestService requests, IPollPacer pacer) : ISoapOperation
{
    // Answered requests listed per poll; the rest follow once these are read with GetResponse.
    private const int MaxCompletedPerPoll = 100;

    /// <inheritdoc />
    public string Name => "Poll";

    /// <inheritdoc />
    public string? ObjectOf(XElement request) => ContractXml.Text(request, "Dataset");

    /// <inheritdoc />
    public async Task<Action<XmlWriter>> InvokeAsync(Principal principal, XElement request, AuditRecord audit, CancellationToken cancellationToken)
    {
        var dataset = ContractXml.Text(request, "Dataset");
        var max = ContractXml.Text(request, "MaxBatches") is { } text ? XmlConvert.ToInt32(text) : (int?)null;
        var ticket = await pacer.BeginAsync(principal, cancellationToken).ConfigureAwait(false);
        PollResult result;
        try
        {
            result = await delivery.PollAsync(principal, dataset, max, cancellationToken).ConfigureAwait(false);
            result = result with { CompletedRequestMsgIds = await requests.UnreadAnsweredAsync(principal, MaxCompletedPerPoll, cancellationToken).ConfigureAwait(false) };
        }
        catch
        {
            // A poll that was not answered does not count against the interval (taken back even when the caller went away).
            await pacer.AbandonAsync(ticket, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return writer =>
        {
            writer.WriteStartElement(null, "PollResponse", SoapNamespaces.Contract.NamespaceName);
            foreach (var header in result.Batches)
            {
                ContractXml.WriteBatchHeader(writer, "Batch", header);
            }

            ContractXml.Write(writer, "HasMore", XmlConvert.ToString(result.HasMore));
            ContractXml.Write(writer, "NextPollAfterSeconds", result.NextPollAfterSeconds);
            foreach (var msgId in result.CompletedRequestMsgIds)
            {
                writer.WriteStartElement(null, "CompletedRequest", SoapNamespaces.Contract.NamespaceName);
                ContractXml.Write(writer, "MsgId", msgId);
                writer.WriteEndElement();
            }

            writer.WriteEndElement();
        };
    }
}
