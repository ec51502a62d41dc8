using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Sources;

public sealed class DataDirectoryTests
{
    [Fact]
    public void Expand_ReplacesThePlaceholderByTheFolder() =>
        Assert.Equal("Data Source=/srv/exchange/data/demo.db", DataDirectory.Expand("Data Source={data}/demo.db", "/srv/exchange/data/"));

    [Fact]
    public void Expand_LeavesStringsWithoutThePlaceholderAlone() =>
        Assert.Equal("Host=db1", DataDirectory.Expand("Host=db1", "/x"));
}
