using Exchange.Core.Configuration;
using Exchange.WebService.Operator;

namespace Exchange.WebService.Tests.Operator;

public sealed class ServiceOptionsValidatorTests
{
    private static IReadOnlyList<ConfigurationProblem> Validate(ServiceOptions options, WebSecurityOptions? security = null) =>
        ServiceOptionsValidator.Validate(options, security ?? new WebSecurityOptions());

    [Fact]
    public void Defaults_AreValid_WithLoopbackEndpoints()
    {
        var options = new ServiceOptions();
        Assert.Empty(Validate(options));
        Assert.Equal("http://127.0.0.1:8081", options.Operator.Urls);
        Assert.Equal("http://127.0.0.1:8080", options.Web.Urls);
    }

    [Fact]
    public void EveryMistake_IsNamedWithFieldAndValue()
    {
        var options = new ServiceOptions();
        options.Operator.Urls = "http://127.0.0.1:8081;localhost:9";
        options.Operator.ShutdownTimeout = TimeSpan.Zero;
        options.Operator.PageRefresh = TimeSpan.Zero;
        options.Web.MaxRequestBodyBytes = 10;
        options.Web.MaxBatchesPerPoll = 0;

        var problems = Validate(options).Select(p => p.ToString()).ToList();

        Assert.Equal(5, problems.Count);
        Assert.Contains("appsettings.json: Exchange:Operator:Urls: must be http:// or https:// URLs separated by ';' such as http://127.0.0.1:8081, was 'localhost:9'", problems);
        Assert.Contains("appsettings.json: Exchange:Operator:ShutdownTimeout: must be between 00:00:01 and 00:10:00, was 00:00:00", problems);
        Assert.Contains("appsettings.json: Exchange:Operator:PageRefresh: must be whole seconds between 00:00:01 and 01:00:00, was 00:00:00", problems);
        Assert.Contains("appsettings.json: Exchange:Web:MaxRequestBodyBytes: must be at least 1024, was 10", problems);
        Assert.Contains("appsettings.json: Exchange:Web:MaxBatchesPerPoll: must be at least 1, was 0", problems);
    }

    [Fact]
    public void EmptyOperatorUrls_TurnTheEndpointOff_ButTheServiceMustListenSomewhere()
    {
        var options = new ServiceOptions();
        options.Operator.Urls = "";
        Assert.Empty(Validate(options));

        options.Web.Urls = " ";
        Assert.Equal("appsettings.json: Exchange:Web:Urls: must name at least one URL such as http://127.0.0.1:8080, was empty", Assert.Single(Validate(options)).ToString());
    }

    [Fact]
    public void ATrustedProxyThatIsNotAnAddress_IsRefused()
    {
        var options = new ServiceOptions();
        options.Web.TrustedProxies = ["127.0.0.1", "proxy.example"];
        Assert.Equal("Exchange:Web:TrustedProxies:1", Assert.Single(Validate(options)).Field);
    }

    [Fact]
    public void AnHttpsUrl_NeedsTheSecurityCertificate()
    {
        var options = new ServiceOptions();
        options.Web.Urls = "https://0.0.0.0:8443";
        var problem = Assert.Single(Validate(options));
        Assert.Equal("appsettings.json: Exchange:Security:Tls:CertificateFile: must name a PEM certificate file because Web:Urls has an https:// URL, was empty", problem.ToString());

        Assert.Empty(Validate(options, new WebSecurityOptions { Tls = new TlsOptions { CertificateFile = "exchange.pem" } }));
    }

    private static readonly string Hash = new Exchange.Core.Security.Pbkdf2PasswordHasher(iterations: 1_000).Hash("pw");

    [Theory]
    [InlineData("http://0.0.0.0:8081")]
    [InlineData("http://10.1.2.3:8081")]
    [InlineData("http://exchange01.example.org:8081")]
    [InlineData("http://127.0.0.1:8081;https://[::]:8443")]
    public void AnEndpointOutsideLoopback_WithoutOperators_IsRefused_NamingTheUrlAndWhatToDo(string urls)
    {
        var options = new ServiceOptions();
        options.Operator.Urls = urls;
        options.Operator.AllowedHosts = ["exchange01.example.org"];

        var problem = Assert.Single(Validate(options));

        var outside = urls.Split(';')[^1];
        Assert.Equal("Exchange:Operator:Principals", problem.Field);
        Assert.Equal(
            $"Operator:Urls binds '{outside}', which is not loopback, so the status page and /metrics need credentials, and none are configured: " +
            "add an operator ({ \"Name\": \"ops\", \"PasswordHash\": \"<printed by 'exchange hash-password'>\" }) or bind Operator:Urls to 127.0.0.1",
            problem.Message);

        options.Operator.Principals = [new OperatorPrincipalOptions { Name = "ops", PasswordHash = Hash }];
        Assert.Empty(Validate(options));
    }

    [Theory]
    [InlineData("http://localhost:8081")]
    [InlineData("http://[::1]:8081")]
    [InlineData("http://127.0.0.2:8081")]
    public void ALoopbackEndpoint_NeedsNoOperators(string urls)
    {
        var options = new ServiceOptions();
        options.Operator.Urls = urls;
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void AnEndpointOnEveryAddress_NeedsItsNamesListed()
    {
        var options = new ServiceOptions();
        options.Operator.Urls = "http://0.0.0.0:8081";
        options.Operator.Principals = [new OperatorPrincipalOptions { Name = "ops", PasswordHash = Hash }];

        var problem = Assert.Single(Validate(options));

        Assert.Equal("Exchange:Operator:AllowedHosts", problem.Field);
        Assert.StartsWith("Operator:Urls binds every address ('http://0.0.0.0:8081'), which names no host", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadOperatorsAndHostNames_AreNamedWithFieldAndValue()
    {
        var options = new ServiceOptions();
        options.Operator.AllowedHosts = ["exchange01.example.org", "http://x/", "*"];
        options.Operator.FailedLoginsPerMinute = 0;
        options.Operator.Principals =
        [
            new OperatorPrincipalOptions { Name = "ops", PasswordHash = Hash },
            new OperatorPrincipalOptions { Name = "ops", PasswordHash = Hash },
            new OperatorPrincipalOptions { Name = "a b", PasswordHash = "secret" },
        ];

        var problems = Validate(options).Select(p => p.ToString()).ToList();

        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Operator:AllowedHosts:1: must be a host name or IP address", StringComparison.Ordinal) && p.EndsWith("was 'http://x/'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Operator:AllowedHosts:2: must be a host name", StringComparison.Ordinal) && p.EndsWith("was '*'", StringComparison.Ordinal));
        Assert.Contains("appsettings.json: Exchange:Operator:FailedLoginsPerMinute: must be between 1 and 1000, was 0", problems);
        Assert.Contains("appsettings.json: Exchange:Operator:Principals:1:Name: 'ops' is configured twice; names must be unique", problems);
        Assert.Contains("appsettings.json: Exchange:Operator:Principals:2:Name: must be 1 to 64 letters, digits, '.', '_' or '-', was 'a b'", problems);
        Assert.Contains(problems, p => p.StartsWith("appsettings.json: Exchange:Operator:Principals:2:PasswordHash: Password hash is malformed", StringComparison.Ordinal) && !p.Contains("secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Exchange01.Example.ORG:8081", "exchange01.example.org")]
    [InlineData("exchange01.example.org.", "exchange01.example.org")]
    [InlineData("[::1]:8081", "[::1]")]
    [InlineData("::1", "[::1]")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("", null)]
    [InlineData(":8081", null)]
    public void HostNames_AreComparedWithoutPortCaseOrTrailingDot(string host, string? normalized) =>
        Assert.Equal(normalized, OperatorBinding.Normalize(host));

    [Fact]
    public void AcceptedHosts_AreTheLoopbackNames_TheUrlsNamedHosts_AndTheAllowedOnes()
    {
        var options = new OperatorOptions { Urls = "http://0.0.0.0:8081;http://ops-box:8082;http://127.0.0.1:8083", AllowedHosts = ["Exchange01.example.org:443", "localhost"] };
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "ops-box", "exchange01.example.org"], OperatorBinding.AcceptedHosts(options));
    }
}
