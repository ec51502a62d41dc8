using System.Data.Common;
using System.Globalization;
using Exchange.Core.Audit;
using Exchange.Core.Staging;

namespace Exchange.Core.Requests;

/// <summary>Request/response pairing on the staging database.</summary>
public sealed class RequestStore(StagingDatabase database, TimeProvider timeProvider) : IRequestStore
{
    private const string ReturnedColumns =
        "request_id, insurer, msg_id, ref_msg_id, inf_no, input, input_sha256, status, attempts, created_at, updated_at, expires_at";

    private const string RequestColumns =
        "r.request_id, r.insurer, r.msg_id, r.ref_msg_id, r.inf_no, r.input, r.input_sha256, r.status, r.attempts, r.created_at, r.updated_at, r.expires_at";

    private const string Unanswered = "('Pending', 'Processing')";
    private const int ExpireBatch = 500;

    /// <summary>The message of an expired request's response.</summary>
    public const string ExpiredMessage = "The request was not answered before its expiry time; submit it again with a new MsgId if the answer is still needed.";

    // PostgreSQL skips rows another worker has locked instead of waiting for them; SQLite's IMMEDIATE transaction already serialises writers.
    private string ForUpdateSkipLocked => database.ForUpdate.Length == 0 ? "" : database.ForUpdate + " SKIP LOCKED";

    /// <inheritdoc />
    public async Task<SubmitResult> SubmitRequestAsync(NewRequest request, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var session = await database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            // With an audit record the insert and its record commit together; without one the insert commits on its own.
            var transaction = audit is null ? null : await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var result = await SubmitRequestAsync(session, transaction, request, cancellationToken).ConfigureAwait(false);
                if (transaction is not null)
                {
                    if (result.Outcome == SubmitOutcome.Accepted)
                    {
                        await AuditRows.InsertAsync(session, transaction, audit, database, cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    if (result.Outcome == SubmitOutcome.Accepted)
                    {
                        audit!.MarkStored();
                    }
                }

                return result;
            }
            finally
            {
                if (transaction is not null)
                {
                    await transaction.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private async Task<SubmitResult> SubmitRequestAsync(StagingSession session, DbTransaction? transaction, NewRequest request, CancellationToken cancellationToken)
    {
        // Two identical submissions racing: the unique (insurer, msg_id) lets exactly one insert; the other inserts
        // nothing (PostgreSQL waits for the first to commit) and reads the winner below.
        var now = timeProvider.GetUtcNow();
        var inserted = await session.QueryAsync(
            $"""
            INSERT INTO requests (insurer, msg_id, ref_msg_id, inf_no, input, input_sha256, status, attempts, created_at, updated_at, expires_at)
            VALUES (@Insurer, @MsgId, @RefMsgId, @InfNo, @Input, @InputSha256, 'Pending', 0, @now, @now, @expiresAt)
            ON CONFLICT (insurer, msg_id) DO NOTHING
            RETURNING {ReturnedColumns}
            """,
            transaction,
            ReadRequest,
            cancellationToken,
            ("Insurer", request.Insurer),
            ("MsgId", request.MsgId),
            ("RefMsgId", Guid.CreateVersion7(now).ToString("N")),
            ("InfNo", request.InfNo),
            ("Input", request.Input),
            ("InputSha256", request.InputSha256),
            ("now", database.ToDb(now)),
            ("expiresAt", database.ToDb(now + request.Expiry))).ConfigureAwait(false);
        if (inserted.Count == 1)
        {
            return new SubmitResult(SubmitOutcome.Accepted, inserted[0]);
        }

        var existing = await session.QueryAsync(
            $"SELECT {RequestColumns} FROM requests r WHERE r.insurer = @Insurer AND r.msg_id = @MsgId",
            transaction, ReadRequest, cancellationToken, ("Insurer", request.Insurer), ("MsgId", request.MsgId)).ConfigureAwait(false);
        if (existing.Count == 0)
        {
            // Purged between the insert and the read: a later submission stores it afresh.
            throw new InvalidOperationException($"Request {request.MsgId} of {request.Insurer} conflicted but was not found; retry the submission.");
        }

        var original = existing[0];
        var same = string.Equals(original.InputSha256, request.InputSha256, StringComparison.Ordinal)
            && string.Equals(original.InfNo, request.InfNo, StringComparison.Ordinal);
        return new SubmitResult(same ? SubmitOutcome.Resubmitted : SubmitOutcome.DuplicateMsgId, original);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ClaimedRequest>> ClaimRequestsAsync(
        string worker, IReadOnlyCollection<string> infNos, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(worker);
        ArgumentNullException.ThrowIfNull(infNos);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (infNos.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<ClaimedRequest>>([]);
        }

        return database.WriteAsync<IReadOnlyList<ClaimedRequest>>(
            async (session, transaction) =>
            {
                var now = timeProvider.GetUtcNow();
                var leaseUntil = now + lease;
                List<(string Name, object? Value)> parameters = [("worker", worker), ("leaseUntil", database.ToDb(leaseUntil)), ("now", database.ToDb(now)), ("max", max)];
                var claimed = await session.QueryAsync(
                    $"""
                    UPDATE requests SET status = 'Processing', attempts = attempts + 1, claimed_by = @worker, lease_until = @leaseUntil, updated_at = @now
                    WHERE request_id IN (
                        SELECT q.request_id FROM requests q
                        WHERE q.inf_no IN ({InList(parameters, "c", infNos)}) AND q.expires_at > @now
                          AND (q.status = 'Pending' OR (q.status = 'Processing' AND q.lease_until <= @now))
                        ORDER BY q.created_at, q.request_id
                        LIMIT @max{ForUpdateSkipLocked})
                    RETURNING {ReturnedColumns}
                    """,
                    transaction,
                    ReadRequest,
                    cancellationToken,
                    [.. parameters]).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

                // RETURNING does not keep the subquery's order.
                return [.. claimed.OrderBy(r => r.CreatedAt).ThenBy(r => r.RequestId).Select(r => new ClaimedRequest(r, worker, leaseUntil))];
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> HasClaimableRequestsAsync(IReadOnlyCollection<string> infNos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(infNos);
        if (infNos.Count == 0)
        {
            return false;
        }

        // The claim's conditions, read only; status IN (...) lets both dialects seek ix_requests_status_created (001) past the
        // answered requests, which are nearly all of the table.
        List<(string Name, object? Value)> parameters = [("now", database.ToDb(timeProvider.GetUtcNow())), ("max", 1)];
        var found = await database.QueryAsync(
            $"""
            SELECT q.request_id FROM requests q
            WHERE q.status IN ('Pending', 'Processing') AND q.inf_no IN ({InList(parameters, "c", infNos)}) AND q.expires_at > @now
              AND (q.status = 'Pending' OR q.lease_until <= @now)
            """ + database.Limit(1),
            reader => reader.GetInt64(0),
            cancellationToken,
            [.. parameters]).ConfigureAwait(false);
        return found.Count > 0;
    }

    /// <inheritdoc />
    public Task<bool> CompleteRequestAsync(long requestId, string worker, RequestAnswer answer, CancellationToken cancellationToken, AuditRecord? audit = null)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return database.WriteAsync(
            async (session, transaction) =>
            {
                var status = answer.InfCode == RequestAnswer.Success ? RequestStatus.Completed : RequestStatus.Failed;
                if (!await FinishAsync(session, transaction, requestId, worker, status, answer, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                await AuditRows.InsertAsync(session, transaction, audit, database, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                audit?.MarkStored();
                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<RequestStatus?> FailAttemptAsync(long requestId, string worker, int maxAttempts, string insurerMessage, CancellationToken cancellationToken) =>
        database.WriteAsync<RequestStatus?>(
            async (session, transaction) =>
            {
                var attempts = await session.ScalarAsync<int?>(
                    $"SELECT attempts FROM requests WHERE request_id = @requestId AND status = 'Processing' AND claimed_by = @worker{database.ForUpdate}",
                    transaction, cancellationToken, ("requestId", requestId), ("worker", worker)).ConfigureAwait(false);
                if (attempts is null)
                {
                    return null;
                }

                RequestStatus next;
                if (attempts >= maxAttempts)
                {
                    await FinishAsync(session, transaction, requestId, worker, RequestStatus.Failed, RequestAnswer.Fail(insurerMessage), cancellationToken).ConfigureAwait(false);
                    next = RequestStatus.Failed;
                }
                else
                {
                    await session.ExecuteAsync(
                        "UPDATE requests SET status = 'Pending', claimed_by = NULL, lease_until = NULL, updated_at = @now WHERE request_id = @requestId",
                        transaction, cancellationToken, ("requestId", requestId), ("now", database.ToDb(timeProvider.GetUtcNow()))).ConfigureAwait(false);
                    next = RequestStatus.Pending;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return next;
            },
            cancellationToken);

    /// <inheritdoc />
    public async Task<int> ExpireRequestsAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var expired = await ExpireSomeAsync(cancellationToken).ConfigureAwait(false);
            total += expired;
            if (expired < ExpireBatch)
            {
                return total;
            }
        }
    }

    /// <inheritdoc />
    public async Task<RequestWithResponse?> GetResponseAsync(string insurer, string msgId, bool markRead, CancellationToken cancellationToken)
    {
        var session = await database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var rows = await session.QueryAsync(
                $"""
                SELECT {RequestColumns}, s.inf_code, s.err_msg, s.output, s.responded_at
                FROM requests r LEFT JOIN responses s ON s.request_id = r.request_id
                WHERE r.insurer = @insurer AND r.msg_id = @msgId
                """,
                null,
                reader => reader.IsDBNull(12)
                    ? new RequestWithResponse(ReadRequest(reader), null, null)
                    : new RequestWithResponse(
                        ReadRequest(reader),
                        new RequestAnswer(reader.GetInt32(12), reader.IsDBNull(13) ? null : reader.GetString(13), reader.IsDBNull(14) ? null : reader.GetString(14)),
                        database.ReadTimestamp(reader, 15)),
                cancellationToken,
                ("insurer", insurer),
                ("msgId", msgId)).ConfigureAwait(false);
            var found = rows.Count == 0 ? null : rows[0];
            if (markRead && found?.Answer is not null)
            {
                await session.ExecuteAsync(
                    "UPDATE responses SET read_at = @now WHERE request_id = @RequestId AND read_at IS NULL",
                    null, cancellationToken, ("RequestId", found.Request.RequestId), ("now", database.ToDb(timeProvider.GetUtcNow()))).ConfigureAwait(false);
            }

            return found;
        }
    }

    /// <inheritdoc />
    public async Task<StoredRequest?> GetRequestByRefAsync(string refMsgId, CancellationToken cancellationToken)
    {
        var found = await database.QueryAsync(
            $"SELECT {RequestColumns} FROM requests r WHERE r.ref_msg_id = @refMsgId", ReadRequest, cancellationToken, ("refMsgId", refMsgId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetUnreadAnsweredMsgIdsAsync(string insurer, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);

        // Every Poll runs this. It walks the partial index ix_responses_unread (002) in answer order and stops at @max:
        // CROSS JOIN makes SQLite's planner keep responses outside (PostgreSQL plans it as an inner join by its statistics),
        // rather than reading every request the insurer ever made and sorting.
        return database.QueryAsync(
            """
            SELECT r.msg_id FROM responses s CROSS JOIN requests r
            WHERE r.request_id = s.request_id AND s.read_at IS NULL AND r.insurer = @insurer
            ORDER BY s.responded_at, s.request_id
            """ + database.Limit(max),
            reader => reader.GetString(0),
            cancellationToken,
            ("insurer", insurer),
            ("max", max));
    }

    private Task<int> ExpireSomeAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (session, transaction) =>
            {
                var now = database.ToDb(timeProvider.GetUtcNow());

                // Locking the rows first: a worker answering one of them at this moment either commits before (the row is
                // then no longer unanswered when re-read) or finds it Expired afterwards and stores nothing.
                var ids = await session.QueryAsync(
                    $"SELECT request_id FROM requests WHERE status IN {Unanswered} AND expires_at <= @now ORDER BY request_id LIMIT {ExpireBatch}{database.ForUpdate}",
                    transaction, reader => reader.GetInt64(0), cancellationToken, ("now", now)).ConfigureAwait(false);
                if (ids.Count == 0)
                {
                    return 0;
                }

                List<(string Name, object? Value)> parameters = [("now", now), ("infCode", RequestAnswer.Failure), ("message", ExpiredMessage)];
                var idList = InList(parameters, "i", ids);
                await session.ExecuteAsync(
                    $"UPDATE requests SET status = 'Expired', lease_until = NULL, updated_at = @now WHERE request_id IN ({idList})",
                    transaction, cancellationToken, [.. parameters]).ConfigureAwait(false);
                await session.ExecuteAsync(
                    $"INSERT INTO responses (request_id, inf_code, err_msg, output, responded_at) SELECT request_id, @infCode, @message, NULL, @now FROM requests WHERE request_id IN ({idList})",
                    transaction, cancellationToken, [.. parameters]).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return ids.Count;
            },
            cancellationToken);

    // One named parameter per value: PostgreSQL has arrays and SQLite has not, and this works on both.
    private static string InList<T>(List<(string Name, object? Value)> parameters, string prefix, IEnumerable<T> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var name = prefix + names.Count.ToString(CultureInfo.InvariantCulture);
            parameters.Add((name, value));
            names.Add("@" + name);
        }

        return string.Join(", ", names);
    }

    private async Task<bool> FinishAsync(
        StagingSession session, DbTransaction transaction, long requestId, string worker, RequestStatus status, RequestAnswer answer, CancellationToken cancellationToken)
    {
        var now = database.ToDb(timeProvider.GetUtcNow());
        var changed = await session.ExecuteAsync(
            "UPDATE requests SET status = @status, lease_until = NULL, updated_at = @now WHERE request_id = @requestId AND status = 'Processing' AND claimed_by = @worker",
            transaction, cancellationToken, ("requestId", requestId), ("worker", worker), ("status", status.ToString()), ("now", now)).ConfigureAwait(false);
        if (changed != 1)
        {
            return false;
        }

        // responses is keyed by request_id: a second response for the same request cannot be stored.
        await session.ExecuteAsync(
            "INSERT INTO responses (request_id, inf_code, err_msg, output, responded_at) VALUES (@requestId, @InfCode, @ErrMsg, @Output, @now)",
            transaction,
            cancellationToken,
            ("requestId", requestId),
            ("InfCode", answer.InfCode),
            ("ErrMsg", answer.ErrMsg),
            ("Output", answer.Output),
            ("now", now)).ConfigureAwait(false);
        return true;
    }

    private StoredRequest ReadRequest(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetString(6),
        Enum.Parse<RequestStatus>(reader.GetString(7)),
        reader.GetInt32(8),
        database.ReadTimestamp(reader, 9),
        database.ReadTimestamp(reader, 10),
        database.ReadTimestamp(reader, 11));
}
