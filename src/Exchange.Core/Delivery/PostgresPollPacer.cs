using Exchange.Core.Security;
using Exchange.Core.Staging;

namespace Exchange.Core.Delivery;

/// <summary>
/// The agreed minimum poll interval kept in the PostgreSQL staging store (<c>poll_pacing</c>), so that a poll on any node
/// sharing the store counts for all of them: behind a load balancer an insurer polls no faster than agreed.
/// </summary>
/// <remarks>
/// One statement per poll: the upsert moves the principal's last poll to now only when the interval (less the tolerance of
/// <see cref="PollPacer.SecondsToWait"/>) has passed since it, under the row's lock, so two nodes never both let a poll
/// through; when it does not, the same statement reads the last poll to say how long to wait. Principals without an
/// interval are not paced and cost nothing.
/// <para>
/// The times are the nodes' clocks. The update never moves <c>last_poll_at</c> back (it runs only when the stored time is at
/// most <c>@latest</c>, which is before <c>@now</c>), so a node whose clock runs fast by some seconds makes the next poll on
/// another node wait that much longer (stricter, never laxer), and a slow one lets it through that much sooner.
/// </para>
/// </remarks>
public sealed class PostgresPollPacer : IPollPacer
{
    internal const string BeginSql = PostgresStagingDatabase.WithAsyncCommit + """
        , admitted AS (
            INSERT INTO poll_pacing (principal, last_poll_at) SELECT @principal, @now FROM async_commit
            ON CONFLICT (principal) DO UPDATE SET previous_poll_at = poll_pacing.last_poll_at, last_poll_at = EXCLUDED.last_poll_at
            WHERE poll_pacing.last_poll_at <= @latest
            RETURNING previous_poll_at)
        SELECT true, previous_poll_at FROM admitted
        UNION ALL
        SELECT false, last_poll_at FROM poll_pacing WHERE principal = @principal AND NOT EXISTS (SELECT 1 FROM admitted)
        """;

    internal const string RestoreSql =
        "UPDATE poll_pacing SET last_poll_at = @previous, previous_poll_at = NULL WHERE principal = @principal AND last_poll_at = @at";

    internal const string ForgetSql = "DELETE FROM poll_pacing WHERE principal = @principal AND last_poll_at = @at";

    private readonly PostgresStagingDatabase _database;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a pacer on <paramref name="database"/> and <paramref name="timeProvider"/>.</summary>
    public PostgresPollPacer(PostgresStagingDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public async ValueTask<PollTicket> BeginAsync(Principal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);

        // Whole microseconds, as timestamptz keeps them, so that AbandonAsync finds the row by the time it wrote.
        var now = _timeProvider.GetUtcNow();
        now = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
        var interval = principal.MinPollInterval;
        if (interval <= TimeSpan.Zero)
        {
            return new PollTicket(principal.Name, null, now);
        }

        var rows = await _database.QueryAsync(
            BeginSql,
            reader => (Admitted: reader.GetBoolean(0), At: reader.IsDBNull(1) ? (DateTimeOffset?)null : _database.ReadTimestamp(reader, 1)),
            cancellationToken,
            ("principal", principal.Name),
            ("now", _database.ToDb(now)),
            ("latest", _database.ToDb(now - PollPacer.Gap(interval)))).ConfigureAwait(false);
        if (rows is [{ Admitted: true } admitted])
        {
            return new PollTicket(principal.Name, admitted.At, now);
        }

        // Without a row, the poll that holds the interval committed after this statement began: a whole interval is left.
        var wait = rows is [{ At: { } last }] ? PollPacer.SecondsToWait(interval, last, now) : (int)Math.Ceiling(interval.TotalSeconds);
        throw PollPacer.TooSoon(principal, Math.Max(1, wait));
    }

    /// <inheritdoc />
    public async ValueTask AbandonAsync(PollTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var session = await _database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            // Only while the row still holds this poll: a later poll (on any node) that was let through stays.
            _ = ticket.Previous is { } previous
                ? await session.ExecuteAsync(RestoreSql, null, cancellationToken, ("previous", _database.ToDb(previous)), ("principal", ticket.Principal), ("at", _database.ToDb(ticket.At))).ConfigureAwait(false)
                : await session.ExecuteAsync(ForgetSql, null, cancellationToken, ("principal", ticket.Principal), ("at", _database.ToDb(ticket.At))).ConfigureAwait(false);
        }
    }
}
