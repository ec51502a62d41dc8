using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Load;

public sealed class LoadProbeFactoryTests : IDisposable
{
    private readonly HttpClient _http = new();

    [Theory]
    [InlineData(ProbeTarget.Primary, null, typeof(SqlScalarProbe))]
    [InlineData(ProbeTarget.Primary, "Data Source=//adg1/SIPROD", typeof(SqlScalarProbe))]
    [InlineData(ProbeTarget.PrimaryAndStandby, "Data Source=//adg1/SIPROD", typeof(PrimaryAndStandbyProbe))]
    public void Create_MeasuresThePrimary_AndTheStandbyOnlyWhenAskedTo(ProbeTarget probeOn, string? standby, Type expected)
    {
        var options = new ExchangeOptions
        {
            Sources = { ["prod"] = new SourceOptions { Provider = "oracle", ConnectionString = "Data Source=//ora1/SIPROD", ReadConnectionString = standby, ProbeOn = probeOn } },
        };
        var factory = new LoadProbeFactory(new SourceConnector(new StaticOptionsMonitor<ExchangeOptions>(options)), _http);

        var probe = factory.Create("prod", new ProbeOptions { Kind = "oracle.host_cpu", Busy = 80, Idle = 60 });

        Assert.IsType(expected, probe);
    }

    [Fact]
    public async Task PrimaryAndStandby_CountsTheHigherReading()
    {
        var probe = new PrimaryAndStandbyProbe(new FixedProbe(20), new FixedProbe(75));
        Assert.Equal(75, await probe.ReadAsync(default));
        Assert.Equal("fixed", probe.Name);
    }

    public void Dispose() => _http.Dispose();

    private sealed class FixedProbe(double value) : ILoadProbe
    {
        public string Name => "fixed";

        public Task<double> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(value);
    }
}
