using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class XminQueryTests
{
    [Fact]
    public void Build_WindowAfterKey_ComparesXminModulo2To32()
    {
        Assert.Equal(
            "SELECT \"aaz223\", \"aae022\" FROM \"si\".\"ac43\" WHERE \"aaz223\" > @key AND xmin::text::bigint >= 3 AND (xmin::text::bigint - @xfrom + 4294967296) % 4294967296 < @xspan ORDER BY \"aaz223\" LIMIT @limit",
            XminQuery.Build("si.ac43", ["aaz223", "aae022"], "aaz223", afterKey: true, firstPass: false));
    }

    [Fact]
    public void Build_FirstPassFromTheStart_LeavesOnlyTransactionsFromTheHorizonOn()
    {
        Assert.Equal(
            "SELECT * FROM \"ac43\" WHERE (xmin::text::bigint < 3 OR (xmin::text::bigint - @xfrom + 4294967296) % 4294967296 >= (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint) - @xspan) ORDER BY \"aaz223\" LIMIT @limit",
            XminQuery.Build("ac43", [], "aaz223", afterKey: false, firstPass: true));
    }

    [Theory]
    [InlineData(4_294_967_290L, 4_294_967_290L)]
    [InlineData(4_294_967_296L + 5, 5L)]
    [InlineData((3L << 32) + 77, 77L)]
    public void Low32_IsTheXidWithoutItsEpoch(long xid8, long expected) => Assert.Equal(expected, XminQuery.Low32(xid8));

    [Theory]
    [InlineData("15.4", 15)]
    [InlineData("13.12 (Debian 13.12-1.pgdg120+1)", 13)]
    [InlineData("9.6.24", 9)]
    [InlineData("", 0)]
    public void ServerMajor_ReadsTheLeadingNumber(string version, int major) => Assert.Equal(major, XminQuery.ServerMajor(version));
}
