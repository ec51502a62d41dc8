using Exchange.Core.Configuration;
using Exchange.Core.Security;

namespace Exchange.Core.Tests.Security;

public sealed class PublishedPasswordCheckTests
{
    // The hash of config/appsettings.json's demo-insurer (a hash of PublishedPasswordCheck.DemoPassword).
    private const string ShippedDemoHash = "pbkdf2-sha256$100000$Dq/zxZsN4Wyy/b9j3rOmgw==$d+ef3DeDmGBlnBzTiOgWSWqBuWr1iNCfBkncXvLdt/Y=";

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.4.5.6:8080")]
    [InlineData("https://[::1]:8443")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://LOCALHOST")]
    [InlineData("http://127.0.0.1:8080/")]
    public void IsLoopback_AcceptsTheLoopbackRangeIpv6LoopbackAndLocalhost(string url) => Assert.True(ListenUrls.IsLoopbackUrl(url));

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://10.1.2.3:8080")]
    [InlineData("http://exchange.example:8080")]
    [InlineData("http://localhost.example:8080")]
    [InlineData("127.0.0.1:8080")] // no scheme: not readable, so not taken for loopback
    public void IsLoopback_RejectsAnyAddressAWildcardANameOrAnUnreadableUrl(string url) => Assert.False(ListenUrls.IsLoopbackUrl(url));

    [Fact]
    public void Validate_TheShippedDemoPrincipalBeyondLoopback_IsOneProblemNamingThePrincipalTheUrlAndTheFix()
    {
        var options = Options(("other", new Pbkdf2PasswordHasher(1000).Hash("a long secret password")), ("demo-insurer", ShippedDemoHash));

        var problem = Assert.Single(PublishedPasswordCheck.Validate(options, "http://127.0.0.1:8080;http://0.0.0.0:8080"));

        Assert.Equal("Exchange:Principals:1:PasswordHash", problem.Field);
        Assert.Contains("principal 'demo-insurer' has the published demo password 'demo-insurer-password'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("binds 'http://0.0.0.0:8080' beyond loopback", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'http://127.0.0.1:8080'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("'exchange hash-password'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TheShippedDemoPrincipalOnLoopbackOnly_IsFine() =>
        Assert.Empty(PublishedPasswordCheck.Validate(Options(("demo-insurer", ShippedDemoHash)), "http://127.0.0.1:8080;http://[::1]:8080;http://localhost:9"));

    [Fact]
    public void Validate_AnotherPasswordOrAMalformedHashBeyondLoopback_IsNotThisProblem() =>
        Assert.Empty(PublishedPasswordCheck.Validate(
            Options(("demo-insurer", new Pbkdf2PasswordHasher(1000).Hash("not the published one")), ("broken", "pbkdf2-sha256$x")), "http://0.0.0.0:8080"));

    private static ExchangeOptions Options(params (string Name, string Hash)[] principals)
    {
        var options = new ExchangeOptions();
        options.Principals.AddRange(principals.Select(p => new PrincipalOptions { Name = p.Name, PasswordHash = p.Hash }));
        return options;
    }
}
