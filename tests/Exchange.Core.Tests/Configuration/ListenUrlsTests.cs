using Exchange.Core.Configuration;

namespace Exchange.Core.Tests.Configuration;

public sealed class ListenUrlsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://127.1.2.3:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://192.0.2.10:8080", false)]
    [InlineData("http://exchange.example:8080/", false)]
    [InlineData("http://127.0.0.1:8080;http://0.0.0.0:8081", false)]
    public void LoopbackOnly_TellsLoopbackFromEverythingElse(string urls, bool expected) =>
        Assert.Equal(expected, ListenUrls.LoopbackOnly(urls));

    [Fact]
    public void PlainHttpOutsideLoopback_ListsOnlyPlainHttpBeyondLoopback() =>
        Assert.Equal(
            ["http://0.0.0.0:8080", "http://[::]:8082"],
            ListenUrls.PlainHttpOutsideLoopback("http://0.0.0.0:8080; https://0.0.0.0:8443 ;http://127.0.0.1:8081;http://[::]:8082"));
}
