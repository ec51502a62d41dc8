using Exchange.Core.Security;
using Exchange.Core.Staging;
using Exchange.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Exchange.IntegrationTests.Cli;

/// <summary>The operator verbs of the real <c>exchange</c> executable.</summary>
public sealed class CommandLineTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestConfig _config = new();

    [Fact]
    public async Task CheckConfig_OnTheShippedConfig_ExitsZero()
    {
        await using var run = ExchangeProcess.Start("check-config", "--config", Path.Combine(ExchangeProcess.RepositoryRoot, "config"));
        Assert.Equal(0, await run.WaitForExitAsync(Timeout));
        Assert.Contains("is valid", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_PrintsEveryMistakeWithFileFieldAndValue_AndExitsNonZero()
    {
        _config.Schedule["Datasets"]![0]!["Cron"] = "every five seconds";
        _config.Schedule["Datasets"]![1]!["Source"] = "nowhere";
        _config.Schedule["Datasets"]![2]!["ChunkRows"] = 0;
        _config.Exchange["Staging"]!["Provider"] = "mysql";
        _config.Exchange["Principals"]![0]!["Role"] = "admin";

        await using var run = ExchangeProcess.Start("check-config", "--config", _config.Write());
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        var output = run.Output;
        Assert.Contains("schedule.json: Datasets:0:Cron: 'every five seconds' is not a valid Quartz cron expression", output, StringComparison.Ordinal);
        Assert.Contains("schedule.json: Datasets:1:Source: must name a source in appsettings.json (demo), was 'nowhere'", output, StringComparison.Ordinal);
        Assert.Contains("schedule.json: Datasets:2:ChunkRows: must be between 1 and 1000000, was 0", output, StringComparison.Ordinal);
        Assert.Contains("appsettings.json: Exchange:Staging:Provider: must be one of sqlite, postgres, was 'mysql'", output, StringComparison.Ordinal);
        Assert.Contains("appsettings.json: Exchange:Principals:0:Role: must be one of insurer, source, was 'admin'", output, StringComparison.Ordinal);
        Assert.Contains("5 problem(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_AnUnknownSourceProvider_IsNamedWithTheFourKnownOnes()
    {
        _config.Exchange["Sources"]!["legacy"] = new System.Text.Json.Nodes.JsonObject { ["Provider"] = "db2", ["ConnectionString"] = "Server=db2host" };

        await using var run = ExchangeProcess.Start("check-config", "--config", _config.Write());
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.Contains("appsettings.json: Exchange:Sources:legacy:Provider: must be one of sqlite, postgres, oracle, sqlserver, was 'db2'", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithABadCron_RefusesToStart_NamingTheFieldAndValue()
    {
        _config.Schedule["Datasets"]![0]!["Cron"] = "61 * * * * ?";
        await using var run = ExchangeProcess.Start("run", "--config", _config.Write());
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.Contains("Datasets:0:Cron: '61 * * * * ?'", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task Run_WhenItsPortIsTaken_SaysSoInOneLine_AndExitsWith1()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, _config.Port);
        squatter.Start();

        await using var run = ExchangeProcess.Start("run", "--config", _config.Write());
        Assert.Equal(1, await run.WaitForExitAsync(Timeout));
        Assert.Contains("Exchange did not start: IOException:", run.Output, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{_config.Port}", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task MigrateThenRun_AgainstAStoreWithANewerSchema_RefusesWithExitCode3()
    {
        var future = SchemaScripts.For("sqlite").Count + 1;
        await using (var migrate = ExchangeProcess.Start("migrate", "--config", _config.Write()))
        {
            Assert.Equal(0, await migrate.WaitForExitAsync(Timeout));
            Assert.Contains($"schema version {SchemaScripts.For("sqlite").Count}", migrate.Output, StringComparison.Ordinal);
        }

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_config.DataDirectory, "staging.db")};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // One past the newest script this build embeds, whatever that is.
            command.CommandText = $"INSERT INTO schema_version (version, name, applied_at) VALUES ({future}, '{future:000}_future.sql', 'later')";
            await command.ExecuteNonQueryAsync();
        }

        await using var run = ExchangeProcess.Start("run", "--config", _config.ConfigDirectory);
        Assert.Equal(3, await run.WaitForExitAsync(Timeout));
        Assert.Contains($"schema version {future}, but this build of Exchange knows versions 1 to {SchemaScripts.For("sqlite").Count}", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithTheDemoPasswordBoundBeyondLoopback_RefusesToStart_WithExitCode5_NamingPrincipalUrlAndFix()
    {
        // The shipped demo-insurer (hash of the published 'demo-insurer-password') on every interface.
        var url = $"http://0.0.0.0:{_config.Port}";
        _config.Exchange["Web"]!["Urls"] = url;

        await using var run = ExchangeProcess.Start("run", "--config", _config.Write());
        Assert.Equal(5, await run.WaitForExitAsync(Timeout));
        Assert.Contains("Exchange did not start: appsettings.json: Exchange:Principals:0:PasswordHash: principal 'demo-insurer' has the published demo password 'demo-insurer-password'", run.Output, StringComparison.Ordinal);
        Assert.Contains($"binds '{url}' beyond loopback", run.Output, StringComparison.Ordinal);
        Assert.Contains("'exchange hash-password'", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_config.DataDirectory, "staging.db")), "refused before the staging store was opened");
    }

    [Fact]
    public async Task CheckConfig_ReportsTheDemoPasswordBeyondLoopback_AndAcceptsANewPasswordThere()
    {
        _config.Exchange["Web"]!["Urls"] = "http://0.0.0.0:8080";
        await using (var demo = ExchangeProcess.Start("check-config", "--config", _config.Write()))
        {
            Assert.Equal(2, await demo.WaitForExitAsync(Timeout));
            Assert.Contains("appsettings.json: Exchange:Principals:0:PasswordHash: principal 'demo-insurer' has the published demo password", demo.Output, StringComparison.Ordinal);
            Assert.Contains("1 problem(s)", demo.Output, StringComparison.Ordinal);
        }

        _config.Exchange["Principals"]![0]!["PasswordHash"] = new Pbkdf2PasswordHasher().Hash("a password nobody has read");
        await using var renewed = ExchangeProcess.Start("check-config", "--config", _config.Write());
        Assert.Equal(0, await renewed.WaitForExitAsync(Timeout));
        Assert.Contains("is valid", renewed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HashPassword_PrintsAHashThatVerifies_AndRefusesAShortPassword()
    {
        await using (var run = ExchangeProcess.StartWithInput("correct horse battery staple\n", "hash-password"))
        {
            Assert.Equal(0, await run.WaitForExitAsync(Timeout));
            var hash = run.Output.Trim();
            Assert.StartsWith("pbkdf2-sha256$", hash, StringComparison.Ordinal);
            Assert.True(new Pbkdf2PasswordHasher().Verify("correct horse battery staple", hash));
            Assert.DoesNotContain("correct horse", hash, StringComparison.Ordinal);
        }

        await using var shortOne = ExchangeProcess.StartWithInput("short\n", "hash-password");
        Assert.Equal(1, await shortOne.WaitForExitAsync(Timeout));
        Assert.Contains("at least 12 characters, had 5", shortOne.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithoutAnyConfigFolder_SaysWhereItLooked()
    {
        await using var run = ExchangeProcess.Start("run", "--config", Path.Combine(_config.Root, "missing"));
        Assert.Equal(2, await run.WaitForExitAsync(Timeout));
        Assert.Contains("No configuration found", run.Output, StringComparison.Ordinal);
        Assert.Contains("missing (--config)", run.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _config.Dispose();
}
