using Exchange.IntegrationTests.Infrastructure;

namespace Exchange.IntegrationTests.Requests;

/// <summary>One real daemon on the demo configuration with the request test principals, shared by a test class.</summary>
public sealed class RequestDaemonFixture : IAsyncLifetime
{
    private ExchangeProcess? _daemon;

    public TestConfig Config { get; } = new();

    public ExchangeProcess Daemon => _daemon!;

    public async Task InitializeAsync()
    {
        RequestTestSetup.Apply(Config);
        _daemon = ExchangeProcess.Start("run", "--config", Config.Write());
        await _daemon.WaitForLineAsync("WSDL at", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }

        Config.Dispose();
    }
}
