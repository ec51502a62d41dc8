using Dapper;
using Exchange.Core.Configuration;
using Exchange.Core.Demo;
using Exchange.Core.Extraction;
using Exchange.Core.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.Core.Tests.Demo;

public sealed class DemoSourceTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));

    private SourceOptions Source => new() { Provider = "sqlite", ConnectionString = $"Data Source={_folder.File("sub/demo.db")}" };

    [Fact]
    public async Task EnsureCreated_SeedsPersonsContributionsAndSettlements_Once()
    {
        var demo = new DemoOptions { SeedPersons = 20 };
        var source = new DemoSource(Source, demo, _clock, NullLogger<DemoSource>.Instance);

        Assert.True(await source.EnsureCreatedAsync(default));
        Assert.False(await source.EnsureCreatedAsync(default));

        await using var connection = new SqliteConnection(Source.ConnectionString);
        Assert.Equal(20, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM AC01"));
        Assert.Equal(20 * DemoSource.SeedContributionsPerPerson, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM AC43"));
        Assert.Equal(20 * DemoSource.SeedSettlementsPerPerson, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM KC24"));
    }

    [Fact]
    public async Task EnsureCreated_StoresValidIdentityNumbersAndFixedWidthTimestampsInTheSourceOffset()
    {
        await new DemoSource(Source, new DemoOptions { SeedPersons = 50 }, _clock, NullLogger<DemoSource>.Instance).EnsureCreatedAsync(default);

        await using var connection = new SqliteConnection(Source.ConnectionString);
        var persons = (await connection.QueryAsync<(string Id, string Birth, string Updated)>("SELECT AAC002, AAC006, AAE036 FROM AC01")).ToList();
        Assert.All(persons, p =>
        {
            Assert.True(IdentityNumber.IsValid(p.Id));
            Assert.Equal(p.Id.Substring(6, 4) + "-" + p.Id.Substring(10, 2) + "-" + p.Id.Substring(12, 2), p.Birth);
            Assert.Equal("2026-11-22T10:00:00.000000+08:00".Length, p.Updated.Length);
            Assert.EndsWith("+08:00", p.Updated, StringComparison.Ordinal);
            Assert.True(string.CompareOrdinal(p.Updated, "2026-11-22T10:00:00.000000+08:00") < 0);
        });
    }

    [Fact]
    public async Task InsertRound_AddsRowsPerInsertToEachTable_StampedNow_AndSometimesUpdatesAPerson()
    {
        var demo = new DemoOptions { SeedPersons = 10, RowsPerInsert = 4 };
        await new DemoSource(Source, demo, _clock, NullLogger<DemoSource>.Instance).EnsureCreatedAsync(default);
        var inserter = new DemoInserter(Source, demo, _clock, NullLogger<DemoInserter>.Instance, seed: 5);

        var updates = 0;
        for (var round = 0; round < 20; round++)
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
            var result = await inserter.InsertRoundAsync(default);
            Assert.Equal(new DemoRound(4, 4, 4, result.PersonsUpdated), result);
            updates += result.PersonsUpdated;
        }

        await using var connection = new SqliteConnection(Source.ConnectionString);
        Assert.Equal(10 + 80, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM AC01"));
        Assert.Equal(30 + 80, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM AC43"));
        Assert.Equal(10 + 80, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM KC24"));
        var now = SourceTimestamps.FormatText(_clock.GetUtcNow(), TimeSpan.FromHours(8));
        Assert.Equal(4, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM KC24 WHERE AAE036 = @now", new { now }));
        Assert.InRange(updates, 1, 19);
    }

    [Fact]
    public void Constructor_RefusesANonSqliteSource()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new DemoSource(new SourceOptions { Provider = "postgres" }, new DemoOptions(), _clock, NullLogger<DemoSource>.Instance));
        Assert.Contains("'postgres'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_RefusesAnUnexpandedDataPlaceholder()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new DemoSource(new SourceOptions { Provider = "sqlite", ConnectionString = "Data Source={data}/demo.db" }, new DemoOptions(), _clock, NullLogger<DemoSource>.Instance));
        Assert.Contains("{data}", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
