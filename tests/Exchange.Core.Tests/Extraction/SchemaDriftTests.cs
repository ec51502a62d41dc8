using Exchange.Core.Configuration;
using Exchange.Core.Extraction;

namespace Exchange.Core.Tests.Extraction;

public sealed class SchemaDriftTests
{
    private static readonly SourceColumn[] Before = [new("aaz223", "bigint"), new("aae022", "numeric(14,2)"), new("aae036", "timestamp without time zone")];

    private static DatasetOptions Dataset(string watermark = WatermarkModes.Timestamp) =>
        new() { Name = "AC43", Source = "prod", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223", Watermark = watermark };

    [Fact]
    public void Compare_FindsAddedRemovedAndRetypedColumns_WithoutStopping()
    {
        SourceColumn[] now = [new("AAZ223", "bigint"), new("aae022", "numeric(16,2)"), new("aae036", "timestamp without time zone"), new("aac003", "text")];

        var drift = SchemaDrift.Compare(Before, now, Dataset());

        Assert.Null(drift.Stop);
        Assert.Equal([new SourceColumn("aac003", "text")], drift.Added);
        Assert.Empty(drift.Removed);
        Assert.Equal([new RetypedColumn("aae022", "numeric(14,2)", "numeric(16,2)")], drift.Retyped);
        Assert.Equal("column(s) added: aac003 (text); type changed: aae022 numeric(14,2) -> numeric(16,2)", drift.Describe());
    }

    [Fact]
    public void Compare_StopsForAMissingWatermarkColumn_EvenOnTheFirstRun_NamingItAndTheColumnsThere()
    {
        SourceColumn[] now = [new("aaz223", "bigint"), new("aae022", "numeric(14,2)")];

        var drift = SchemaDrift.Compare(null, now, Dataset());

        Assert.StartsWith("the watermark column 'aae036' of dataset 'AC43' is missing from its source (source 'prod', table ac43; columns now: aaz223, aae022)", drift.Stop, StringComparison.Ordinal);
        Assert.Contains("exchange reset-watermark AC43 --to <time>", drift.Stop, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_StopsForARetypedKeyColumn_AndIgnoresTheTimestampInXminMode()
    {
        SourceColumn[] now = [new("aaz223", "text"), new("aae022", "numeric(14,2)")];

        var drift = SchemaDrift.Compare(Before, now, Dataset(WatermarkModes.Xmin));

        Assert.StartsWith("the key column 'aaz223' of dataset 'AC43' changed type from bigint to text", drift.Stop, StringComparison.Ordinal);
        Assert.Equal([Before[2]], drift.Removed);
    }

    [Fact]
    public void Compare_OfTheSameColumns_IsEmpty_AndTheTextFormRoundTrips()
    {
        var drift = SchemaDrift.Compare(SourceColumns.Parse(SourceColumns.ToText(Before)), Before, Dataset());

        Assert.True(drift.IsEmpty);
        Assert.Null(SourceColumns.Parse("not json"));
    }
}
