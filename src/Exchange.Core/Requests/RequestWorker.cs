using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Exchange.Core.Load;
using Exchange.Core.Security;
using Exchange.Core.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exchange.Core.Requests;

/// <summary>What one run of the request worker did.</summary>
/// <param name="Answered">Requests answered (Completed, or Failed with a final answer).</param>
/// <param name="Retried">Attempts that failed and put the request back.</param>
/// <param name="Expired">Requests that ended Expired.</param>
/// <param name="GateClosedSources">Sources skipped because the load gate did not allow reading.</param>
public sealed record RequestWorkerResult(int Answered, int Retried, int Expired, int GateClosedSources);

/// <summary>
/// Answers pending requests of <c>Query</c> function codes: ends expired requests, then, per source and only while the
/// load gate allows, claims the oldest pending request, runs the type's parameterised query with its timeout, and stores
/// the rows as JSON together with the status change. Several workers (also in several daemons sharing a PostgreSQL
/// store) never answer the same request: claims are exclusive and leased.
/// </summary>
public sealed partial class RequestWorker(
    IRequestStore store,
    ILoadGate gate,
    SourceConnector sources,
    IOptionsMonitor<ScheduleOptions> schedule,
    ILogger<RequestWorker> logger)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JsonCell.PayloadEncoder };

    /// <summary>This worker's name in claims: machine, process and a random part, unique per instance.</summary>
    public string WorkerId { get; } = string.Create(
        CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>Runs until no pending request of a reachable source is left (or the gate closes), reading the request types afresh.</summary>
    /// <exception cref="OperationCanceledException">Shutdown; a request in flight keeps its claim until the lease runs out, then is taken over.</exception>
    public async Task<RequestWorkerResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = schedule.CurrentValue.RequestTypes;
        var expired = await store.ExpireRequestsAsync(cancellationToken).ConfigureAwait(false);
        if (expired > 0)
        {
            LogExpired(logger, expired);
        }

        int answered = 0, retried = 0, gateClosed = 0;
        foreach (var group in options.Types.Where(t => t.Mode == RequestAnswerMode.Query && t.Source is not null).GroupBy(t => t.Source!, StringComparer.Ordinal))
        {
            var codes = group.Select(t => t.InfNo).ToList();
            if (!await store.HasClaimableRequestsAsync(codes, cancellationToken).ConfigureAwait(false))
            {
                // Nothing to answer: the source's gate is not attended, so this node takes no sample of a source it does not read.
                continue;
            }

            await using var attendance = gate.Attend(group.Key).ConfigureAwait(false);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var decision = await gate.CheckAsync(group.Key, cancellationToken).ConfigureAwait(false);
                if (!RequestGatePolicy.Allows(decision, options.GateMode))
                {
                    LogGateClosed(logger, group.Key, decision.State, decision.Reason);
                    gateClosed++;
                    break;
                }

                var claimed = await store.ClaimRequestsAsync(WorkerId, codes, 1, options.LeaseTime, cancellationToken).ConfigureAwait(false);
                if (claimed.Count == 0)
                {
                    break;
                }

                if (await AnswerAsync(claimed[0], options, cancellationToken).ConfigureAwait(false))
                {
                    answered++;
                }
                else
                {
                    // A failed attempt is retried at the next run, not at once: the source is likely struggling.
                    retried++;
                    break;
                }
            }
        }

        return new RequestWorkerResult(answered, retried, expired, gateClosed);
    }

    /// <summary>Answers one claimed request; false when the attempt failed and the request went back to pending.</summary>
    private async Task<bool> AnswerAsync(ClaimedRequest claim, RequestTypesOptions options, CancellationToken cancellationToken)
    {
        var request = claim.Request;
        var type = options.Find(request.InfNo);
        if (type is not { Mode: RequestAnswerMode.Query, Source: not null, Query: not null })
        {
            // The schedule changed between the claim and now: the function code is no longer answered by a query.
            return await FinishAsync(claim, RequestAnswer.Fail($"Function {request.InfNo} is no longer answered by this exchange; the request was not run."), cancellationToken).ConfigureAwait(false);
        }

        RequestInput input;
        try
        {
            input = RequestInput.Parse(type, request.Input, int.MaxValue);
        }
        catch (RequestInputException error)
        {
            // The function's parameters were changed after this request was accepted.
            return await FinishAsync(claim, RequestAnswer.Fail($"The function's parameters changed since the request was accepted: {error.Message}"), cancellationToken).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(type.Timeout);
        string? failure;
        try
        {
            var (output, tooMany) = await QueryAsync(type, input, timeout.Token).ConfigureAwait(false);
            if (tooMany)
            {
                return await FinishAsync(claim, RequestAnswer.Fail(
                    $"The answer has more than {type.MaxRows} rows, more than function {type.InfNo} returns; narrow the request."), cancellationToken).ConfigureAwait(false);
            }

            return await FinishAsync(claim, RequestAnswer.Ok(output), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogAttemptFailed(logger, request.RefMsgId, request.InfNo, request.Attempts, $"timed out after {type.Timeout}");
            failure = $"The social-security side did not answer function {type.InfNo} within {type.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }
        catch (OperationCanceledException)
        {
            // Shutdown: hand the request back at once instead of leaving it to the lease (the claim still counts as an attempt).
            await store.FailAttemptAsync(request.RequestId, claim.ClaimedBy, int.MaxValue, "", CancellationToken.None).ConfigureAwait(false);
            throw;
        }
#pragma warning disable CA1031 // Whatever the provider throws, the request gets its attempt counted and, at the last one, its answer.
        catch (Exception error)
#pragma warning restore CA1031
        {
            // The detail (possibly naming tables or columns) stays in the server log; the insurer gets a plain sentence.
            LogAttemptFailed(logger, request.RefMsgId, request.InfNo, request.Attempts, IdentityNumber.MaskWithin($"{error.GetType().Name}: {error.Message}"));
            failure = $"The social-security side could not answer function {type.InfNo}";
        }

        var message = $"{failure} (tried {request.Attempts} of {options.MaxAttempts} times); submit the request again later with a new MsgId.";
        var next = await store.FailAttemptAsync(request.RequestId, claim.ClaimedBy, options.MaxAttempts, message, cancellationToken).ConfigureAwait(false);
        if (next == RequestStatus.Failed)
        {
            LogFailedFinally(logger, request.RefMsgId, request.InfNo, request.Attempts);
            return true;
        }

        return false;
    }

    private async Task<bool> FinishAsync(ClaimedRequest claim, RequestAnswer answer, CancellationToken cancellationToken)
    {
        if (!await store.CompleteRequestAsync(claim.Request.RequestId, claim.ClaimedBy, answer, cancellationToken).ConfigureAwait(false))
        {
            // Expired meanwhile, or the lease ran out and another worker took over: its answer counts, this one is dropped.
            LogAnswerDropped(logger, claim.Request.RefMsgId, claim.Request.InfNo);
            return false;
        }

        LogAnswered(logger, claim.Request.RefMsgId, claim.Request.InfNo, claim.Request.Insurer, answer.InfCode);
        return true;
    }

    private async Task<(string Output, bool TooMany)> QueryAsync(RequestTypeOptions type, RequestInput input, CancellationToken cancellationToken)
    {
        var source = sources.Describe(type.Source!);
        // A request reads where extraction reads: the standby when the source has one.
        var connection = await sources.OpenAsync(type.Source!, SourceRole.Read, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.CommandText = type.Query!;
        command.CommandTimeout = (int)Math.Ceiling(type.Timeout.TotalSeconds);
        command.UseNamedParameters(source.Dialect);
        foreach (var (name, value) in input.Values)
        {
            command.AddParameter(source.Dialect, name, value);
        }

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var columns = Columns(type, reader);

        // The payload's value tables: Oracle NUMBER and SQL Server decimal(38, x) exactly, LOBs streamed, as in batches.
        var values = ColumnBuffers.For(reader, 1, source.Dialect);
        var names = new JsonEncodedText[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            names[i] = JsonEncodedText.Encode(type.Columns.Count == 0 ? reader.GetName(columns[i]) : type.Columns[i], WriterOptions.Encoder);
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        var json = new Utf8JsonWriter(buffer, WriterOptions);
        await using var jsonScope = json.ConfigureAwait(false);
        json.WriteStartArray();
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (++rows > type.MaxRows)
            {
                return ("", true);
            }

            json.WriteStartObject();
            for (var i = 0; i < columns.Length; i++)
            {
                json.WritePropertyName(names[i]);
                values[columns[i]].Read(reader, columns[i], 0);
                values[columns[i]].Write(json, 0, source.TimeZoneOffset);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), false);
    }

    private static int[] Columns(RequestTypeOptions type, DbDataReader reader)
    {
        if (type.Columns.Count == 0)
        {
            return [.. Enumerable.Range(0, reader.FieldCount)];
        }

        var byName = Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => i, StringComparer.OrdinalIgnoreCase);
        return [.. type.Columns.Select(c => byName.TryGetValue(c, out var i)
            ? i
            : throw new InvalidOperationException($"Function {type.InfNo}: column '{c}' of Columns is not in the query's result ({string.Join(", ", byName.Keys)})."))];
    }

    [LoggerMessage(3001, LogLevel.Information, "Request {RefMsgId} ({InfNo}) of {Insurer} answered with InfCode {InfCode}")]
    private static partial void LogAnswered(ILogger logger, string refMsgId, string infNo, string insurer, int infCode);

    [LoggerMessage(3002, LogLevel.Warning, "Request {RefMsgId} ({InfNo}) attempt {Attempt} failed: {Reason}")]
    private static partial void LogAttemptFailed(ILogger logger, string refMsgId, string infNo, int attempt, string reason);

    [LoggerMessage(3003, LogLevel.Warning, "Request {RefMsgId} ({InfNo}) failed for good after {Attempts} attempts")]
    private static partial void LogFailedFinally(ILogger logger, string refMsgId, string infNo, int attempts);

    [LoggerMessage(3004, LogLevel.Information, "Request {RefMsgId} ({InfNo}): answer dropped, the request expired or was taken over meanwhile")]
    private static partial void LogAnswerDropped(ILogger logger, string refMsgId, string infNo);

    [LoggerMessage(3005, LogLevel.Information, "{Count} requests expired unanswered")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(3006, LogLevel.Debug, "Requests of source {Source} wait: load gate is {State} ({Reason})")]
    private static partial void LogGateClosed(ILogger logger, string source, GateState state, string reason);
}
