using Exchange.Core.Configuration;
using Exchange.Host.Configuration;
using Exchange.WebService;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Exchange.IntegrationTests.Configuration;

/// <summary>The options bound once at start are the instance the container hands out, and start-up validation refuses bad ones with check-config's messages.</summary>
public sealed class OptionsValidationTests
{
    private static ServiceProvider Container(ExchangeOptions bound)
    {
        var services = new ServiceCollection();
        services.AddBoundOptions(bound, new ServiceOptions(), Path.GetFullPath);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void TheContainerHandsOutTheBoundInstance_NotASecondBinding()
    {
        var bound = new ExchangeOptions { DataDirectory = "/srv/exchange/data" };
        using var container = Container(bound);
        container.GetRequiredService<IStartupValidator>().Validate();
        Assert.Same(bound, container.GetRequiredService<IOptions<ExchangeOptions>>().Value);
        Assert.Same(bound, container.GetRequiredService<IOptionsMonitor<ExchangeOptions>>().CurrentValue);
    }

    [Fact]
    public void StartUpValidation_RefusesBadOptions_WithTheMessagesCheckConfigPrints()
    {
        var bad = new ExchangeOptions { DataDirectory = "" };
        bad.Retention.Batches = TimeSpan.FromMinutes(5);
        var expected = new ExchangeOptionsValidation(Path.GetFullPath).Problems(bad).Select(p => p.ToString()).ToList();
        Assert.Contains("appsettings.json: Exchange:DataDirectory: must name a folder, was empty", expected);
        Assert.Contains("appsettings.json: Exchange:Retention:Batches: must be at least 01:00:00, was 00:05:00", expected);

        using var container = Container(bad);
        var error = Assert.Throws<OptionsValidationException>(() => container.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal(expected, error.Failures);
    }
}
