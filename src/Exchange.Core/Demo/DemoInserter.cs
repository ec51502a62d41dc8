using Dapper;
using Exchange.Core.Configuration;
using Exchange.Core.Extraction;
using Microsoft.Extensions.Logging;

namespace Exchange.Core.Demo;

/// <summary>What one insert round did to the demo source.</summary>
public sealed record DemoRound(int PersonsInserted, int ContributionsInserted, int SettlementsInserted, int PersonsUpdated);

/// <summary>
/// Keeps the demo source alive: each round adds <see cref="DemoOptions.RowsPerInsert"/> rows to each table with
/// <c>AAE036</c> = now, and now and then moves an existing person to a new employer (an update that must be
/// extracted again). The host calls <see cref="InsertRoundAsync"/> on a timer.
/// </summary>
public sealed partial class DemoInserter
{
    /// <summary>Chance per round that an existing person is updated.</summary>
    public const double UpdateProbability = 0.3;

    private readonly SourceOptions _source;
    private readonly DemoOptions _demo;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DemoInserter> _logger;
    private readonly DemoDataGenerator _generator;

    /// <param name="source">The demo source (provider <c>sqlite</c>, <c>{data}</c> already expanded), created by <see cref="DemoSource.EnsureCreatedAsync"/>.</param>
    /// <param name="demo">Demo options (<see cref="DemoOptions.RowsPerInsert"/>).</param>
    /// <param name="timeProvider">Clock for the update timestamps.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="seed">Random seed; the same seed gives the same rounds.</param>
    public DemoInserter(SourceOptions source, DemoOptions demo, TimeProvider timeProvider, ILogger<DemoInserter> logger, int seed = DemoSource.DefaultSeed + 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(demo);
        DemoTables.EnsureExpanded(source.ConnectionString);
        _source = source;
        _demo = demo;
        _timeProvider = timeProvider;
        _logger = logger;
        _generator = new DemoDataGenerator(seed);
    }

    /// <summary>Adds one round of rows in one transaction.</summary>
    public async Task<DemoRound> InsertRoundAsync(CancellationToken cancellationToken)
    {
        var rows = Math.Max(0, _demo.RowsPerInsert);
        var connection = await DemoTables.OpenAsync(_source.ConnectionString, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        var now = _timeProvider.GetUtcNow();
        var updatedAt = SourceTimestamps.FormatText(now, _source.TimeZoneOffset);
        var today = DateOnly.FromDateTime(now.ToOffset(_source.TimeZoneOffset).DateTime);
        var maxima = await connection.QuerySingleAsync<(long Person, long Contribution, string? Visit)>(
            new CommandDefinition(
                "SELECT (SELECT COALESCE(MAX(AAC001), 0) FROM AC01), (SELECT COALESCE(MAX(AAZ223), 0) FROM AC43), (SELECT MAX(AKC190) FROM KC24)",
                transaction: transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        var lastPerson = maxima.Person;
        var lastContribution = maxima.Contribution;
        var lastVisit = maxima.Visit is null ? 0 : long.Parse(maxima.Visit, System.Globalization.CultureInfo.InvariantCulture);

        for (var i = 0; i < rows; i++)
        {
            await DemoTables.InsertAsync(connection, transaction, _generator.NextPerson(++lastPerson), updatedAt).ConfigureAwait(false);
        }

        for (var i = 0; i < rows; i++)
        {
            var contribution = _generator.NextContribution(++lastContribution, _generator.Pick(1, lastPerson), today);
            await DemoTables.InsertAsync(connection, transaction, contribution, updatedAt).ConfigureAwait(false);
        }

        for (var i = 0; i < rows; i++)
        {
            var settlement = _generator.NextSettlement(++lastVisit, _generator.Pick(1, lastPerson), today);
            await DemoTables.InsertAsync(connection, transaction, settlement, updatedAt).ConfigureAwait(false);
        }

        var updated = 0;
        if (lastPerson > rows && _generator.Chance(UpdateProbability))
        {
            // An existing person changes employer: the row gets a new AAE036 and must be extracted again.
            var person = _generator.Pick(1, lastPerson - rows);
            var employer = _generator.NextPerson(person).Aab001;
            updated = await connection.ExecuteAsync(
                new CommandDefinition(
                    "UPDATE AC01 SET AAB001 = @Employer, AAE036 = @UpdatedAt WHERE AAC001 = @Person",
                    new { Employer = employer, UpdatedAt = updatedAt, Person = person },
                    transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var round = new DemoRound(rows, rows, rows, updated);
        LogRound(_logger, round.PersonsInserted, round.ContributionsInserted, round.SettlementsInserted, round.PersonsUpdated, updatedAt);
        return round;
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Demo round: {Persons} persons, {Contributions} contributions, {Settlements} settlements inserted, {Updated} persons updated at {UpdatedAt}")]
    private static partial void LogRound(ILogger logger, int persons, int contributions, int settlements, int updated, string updatedAt);
}
