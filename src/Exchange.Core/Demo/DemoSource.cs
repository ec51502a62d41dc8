using Dapper;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Microsoft.Extensions.Logging;

namespace Exchange.Core.Demo;

/// <summary>The embedded demo source: a SQLite file with 金保-style tables <c>AC01</c>, <c>AC43</c> and <c>KC24</c>.</summary>
public sealed partial class DemoSource
{
    /// <summary>The seed used when none is given: the same demo data on every machine.</summary>
    public const int DefaultSeed = 11643;

    /// <summary>Contributions seeded per person (one per recent month).</summary>
    public const int SeedContributionsPerPerson = 3;

    /// <summary>Settlements seeded per person.</summary>
    public const int SeedSettlementsPerPerson = 1;

    private readonly SourceOptions _source;
    private readonly DemoOptions _demo;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DemoSource> _logger;
    private readonly int _seed;

    /// <param name="source">The demo source (provider <c>sqlite</c>, <c>{data}</c> already expanded).</param>
    /// <param name="demo">Demo options (<see cref="DemoOptions.SeedPersons"/>).</param>
    /// <param name="timeProvider">Clock for the seeded update timestamps.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="seed">Random seed; the same seed gives the same rows.</param>
    /// <exception cref="ArgumentException">The source is not a SQLite source.</exception>
    public DemoSource(SourceOptions source, DemoOptions demo, TimeProvider timeProvider, ILogger<DemoSource> logger, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(demo);
        if (!string.Equals(source.Provider, "sqlite", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The demo source must use provider 'sqlite', was '{source.Provider}'.", nameof(source));
        }

        DemoTables.EnsureExpanded(source.ConnectionString);
        _source = source;
        _demo = demo;
        _timeProvider = timeProvider;
        _logger = logger;
        _seed = seed;
    }

    /// <summary>Creates and seeds the demo tables when they are missing. Returns true when it created them.</summary>
    public async Task<bool> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var connection = await DemoTables.OpenAsync(_source.ConnectionString, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var exists = await connection.ExecuteScalarAsync<long>(
            new CommandDefinition("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'AC01'", cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (exists > 0)
        {
            return false;
        }

        // WAL lets the extractor read while the inserter writes.
        await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(DemoSchema.Create, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var generator = new DemoDataGenerator(_seed);
        var now = _timeProvider.GetUtcNow();
        var today = DateOnly.FromDateTime(now.ToOffset(_source.TimeZoneOffset).DateTime);
        var persons = Math.Max(0, _demo.SeedPersons);
        long contributionKey = 0;
        long visitNumber = 0;
        for (long personNumber = 1; personNumber <= persons; personNumber++)
        {
            await DemoTables.InsertAsync(connection, transaction, generator.NextPerson(personNumber), PastTimestamp(generator, now)).ConfigureAwait(false);
            for (var month = 1; month <= SeedContributionsPerPerson; month++)
            {
                var contribution = generator.NextContribution(++contributionKey, personNumber, today.AddMonths(-month));
                await DemoTables.InsertAsync(connection, transaction, contribution, PastTimestamp(generator, now)).ConfigureAwait(false);
            }

            for (var i = 0; i < SeedSettlementsPerPerson; i++)
            {
                var settlement = generator.NextSettlement(++visitNumber, personNumber, today.AddDays(-(int)generator.Pick(1, 30)));
                await DemoTables.InsertAsync(connection, transaction, settlement, PastTimestamp(generator, now)).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogSeeded(_logger, persons, contributionKey, visitNumber);
        return true;
    }

    /// <summary>A whole-second instant in the last 30 days: seeded rows often share a timestamp, as real batch jobs do.</summary>
    private string PastTimestamp(DemoDataGenerator generator, DateTimeOffset now)
    {
        var seconds = generator.Pick(60, 30L * 24 * 3600);
        var instant = now.AddSeconds(-seconds);
        instant = instant.AddTicks(-(instant.Ticks % TimeSpan.TicksPerSecond));
        return SourceTimestamps.FormatText(instant, _source.TimeZoneOffset);
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Demo source created: {Persons} persons (AC01), {Contributions} contributions (AC43), {Settlements} settlements (KC24)")]
    private static partial void LogSeeded(ILogger logger, int persons, long contributions, long settlements);
}
