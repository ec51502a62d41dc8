using Exchange.Core.Security;
using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Cli;

/// <summary>check-config and the daemon's start warn when the SOAP endpoint serves plain HTTP beyond loopback.</summary>
public sealed class PlainHttpExposureTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestConfig _config = new();

    public PlainHttpExposureTests()
    {
        // Not the shipped demo password: a principal with a published password may not be exposed at all.
        _config.Exchange["Principals"]![0]!["PasswordHash"] = new Pbkdf2PasswordHasher(1_000).Hash("a password nobody published");
    }

    [Fact]
    public async Task CheckConfig_WarnsAboutPlainHttpBeyondLoopback_ButExitsZero()
    {
        _config.Exchange["Web"]!["Urls"] = $"http://0.0.0.0:{_config.Port};http://127.0.0.1:{FreePorts.Next()}";

        await using var run = ExchangeProcess.Start("check-config", "--config", _config.Write());

        Assert.Equal(0, await run.WaitForExitAsync(Timeout));
        Assert.Contains($"warning: Web:Urls serves plain HTTP beyond loopback (http://0.0.0.0:{_config.Port})", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("(http://127.0.0.1:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_OnLoopbackOnly_DoesNotWarn()
    {
        await using var run = ExchangeProcess.Start("check-config", "--config", _config.Write());

        Assert.Equal(0, await run.WaitForExitAsync(Timeout));
        Assert.DoesNotContain("warning:", run.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _config.Dispose();
}
