using Exchange.Core.Configuration;

namespace Exchange.Core.Tests.Configuration;

public sealed class ScheduleOptionsValidatorTests
{
    private static DatasetOptions Dataset() => new()
    {
        Name = "AC43", Source = "prod", Cron = "0/10 * * * * ?", Table = "ac43", TimestampColumn = "aae036", KeyColumn = "aaz223",
    };

    private static List<string> Problems(DatasetOptions dataset) =>
        [.. ScheduleOptionsValidator.Validate(new ScheduleOptions { Datasets = [dataset] }, ["prod"], _ => null).Select(p => $"{p.Field}: {p.Message}")];

    [Fact]
    public void Validate_Defaults_AreTheTimestampWatermarkWithTheCommitHorizonRequired()
    {
        var dataset = Dataset();

        Assert.Empty(Problems(dataset));
        Assert.Equal(WatermarkModes.Timestamp, dataset.Watermark);
        Assert.Equal(CommitHorizonModes.Required, dataset.CommitHorizon);
        Assert.Equal(TimeSpan.FromHours(6), dataset.MaxHorizonAge);
    }

    [Fact]
    public void Validate_XminWithoutTimestampColumn_IsAccepted_InAnyLetterCase()
    {
        var dataset = Dataset();
        dataset.Watermark = "XMIN";
        dataset.TimestampColumn = "";
        dataset.CommitHorizon = "safetylagonly";

        Assert.Empty(Problems(dataset));
    }

    [Fact]
    public void Validate_UnknownModes_NameTheFieldTheValueAndWhatIsAccepted()
    {
        var dataset = Dataset();
        dataset.Watermark = "scn";
        dataset.CommitHorizon = "Off";
        dataset.MaxHorizonAge = TimeSpan.Zero;

        Assert.Equal(
        [
            "Datasets:0:Watermark: must be 'timestamp' (update timestamp and key) or 'xmin' (PostgreSQL transaction id and key), was 'scn'",
            "Datasets:0:CommitHorizon: must be 'Required' (stop before the oldest open transaction) or 'SafetyLagOnly' (the safety lag alone, a risk), was 'Off'",
            "Datasets:0:MaxHorizonAge: must be positive (default 06:00:00), was 00:00:00",
        ], Problems(dataset));
    }

    [Fact]
    public void Validate_XminWithACustomQuery_IsRefused()
    {
        var dataset = Dataset();
        dataset.Watermark = WatermarkModes.Xmin;
        dataset.Table = null;
        dataset.Query = "SELECT * FROM ac43 WHERE {keyset}";

        Assert.Contains("Datasets:0:Watermark: 'xmin' reads the xmin of one table: give Table instead of Query, or use 'timestamp'", Problems(dataset));
    }

    [Fact]
    public void Validate_Deletes_IsOffByDefault_AndReconcileIsAccepted_InAnyLetterCase()
    {
        var dataset = Dataset();
        Assert.Equal(DeleteModes.Off, dataset.Deletes);
        Assert.False(DeleteModes.IsReconcile(dataset.Deletes));
        Assert.Equal(TimeSpan.FromHours(1), dataset.ReconcileEvery);

        dataset.Deletes = "reconcile";
        Assert.Empty(Problems(dataset));
        Assert.True(DeleteModes.IsReconcile(dataset.Deletes));
    }

    [Fact]
    public void Validate_DeletesOtherValues_AndAZeroInterval_NameTheFieldTheValueAndWhatIsAccepted()
    {
        var dataset = Dataset();
        dataset.Deletes = "Tombstone";
        dataset.ReconcileEvery = TimeSpan.Zero;

        Assert.Equal(
        [
            "Datasets:0:Deletes: must be 'Off' (the default: deletions are not looked for) or 'Reconcile' (staged keys missing at the source become tombstones), was 'Tombstone'",
            "Datasets:0:ReconcileEvery: must be positive (default 01:00:00), was 00:00:00",
        ], Problems(dataset));
    }

    [Fact]
    public void Validate_ReconcileWithACustomQuery_IsRefused()
    {
        var dataset = Dataset();
        dataset.Deletes = DeleteModes.Reconcile;
        dataset.Table = null;
        dataset.Query = "SELECT * FROM ac43 WHERE {keyset}";

        Assert.Contains("Datasets:0:Deletes: 'Reconcile' walks the keys of one table: give Table instead of Query, or use 'Off'", Problems(dataset));
    }
}
