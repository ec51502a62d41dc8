using Exchange.Core.Staging;

namespace Exchange.Core.Security;

/// <summary>
/// Failed authentications per remote address and minute in the PostgreSQL staging store (<c>failed_authentications</c>),
/// so that guessing spread over several nodes is bounded as on one node: one statement per failure, none per success.
/// </summary>
/// <remarks>About once a minute a node deletes the minutes that are over first, so the table holds about one minute of failures.</remarks>
public sealed class PostgresFailedAuthenticationCount : IFailedAuthenticationCount
{
    internal const string AddSql = PostgresStagingDatabase.WithAsyncCommit + """
        INSERT INTO failed_authentications AS f (address, window_start, failures) SELECT @address, @windowStart, 1 FROM async_commit
        ON CONFLICT (address, window_start) DO UPDATE SET failures = f.failures + 1
        RETURNING failures
        """;

    internal const string PurgeSql = "DELETE FROM failed_authentications WHERE window_start < @windowStart";

    private readonly PostgresStagingDatabase _database;
    private long _purgedBeforeTicks;

    /// <summary>Counts in <paramref name="database"/>.</summary>
    public PostgresFailedAuthenticationCount(PostgresStagingDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public async ValueTask<int> AddFailureAsync(string address, DateTimeOffset windowStart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var session = await _database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            // The first failure of each minute on this node deletes the minutes before it.
            var purged = Interlocked.Read(ref _purgedBeforeTicks);
            if (windowStart.UtcTicks > purged && Interlocked.CompareExchange(ref _purgedBeforeTicks, windowStart.UtcTicks, purged) == purged)
            {
                await session.ExecuteAsync(PurgeSql, null, cancellationToken, ("windowStart", _database.ToDb(windowStart))).ConfigureAwait(false);
            }

            return await session.ScalarAsync<int>(
                AddSql, null, cancellationToken, ("address", address), ("windowStart", _database.ToDb(windowStart))).ConfigureAwait(false);
        }
    }
}
