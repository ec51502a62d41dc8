using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Host;

/// <summary>One daemon per SQLite staging file: a second one is refused at start, and a killed one leaves no stale lock.</summary>
public sealed class SqliteSingleDaemonTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ASecondDaemonOnTheSameSqliteStore_IsRefused_NamingTheStoreAndWhatToDo_AndStartsOnceTheFirstIsKilled()
    {
        using var first = new TestConfig();
        using var second = new TestConfig();

        // Other ports, the same data folder (so the same staging.db).
        second.Exchange["DataDirectory"] = first.DataDirectory;
        await using var running = ExchangeProcess.Start("run", "--config", first.Write());
        await running.WaitForLineAsync("WSDL at", Wait);

        await using (var refused = ExchangeProcess.Start("run", "--config", second.Write()))
        {
            Assert.Equal(1, await refused.WaitForExitAsync(Wait));
            var staging = Path.Combine(first.DataDirectory, "staging.db");
            Assert.Contains($"Exchange did not start: another Exchange daemon already runs on the SQLite staging store '{staging}'", refused.Output, StringComparison.Ordinal);
            Assert.Contains("use the PostgreSQL staging store", refused.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("WSDL at", refused.Output, StringComparison.Ordinal);
        }

        // kill -9 leaves the lock file behind, but not the lock: the operating system drops it with the process.
        await running.KillHardAsync();
        await using var successor = ExchangeProcess.Start("run", "--config", second.Write());
        await successor.WaitForLineAsync("WSDL at", Wait);
    }
}
