using Exchange.Core.Deletes;

namespace Exchange.Core.Tests.Deletes;

public sealed class ReconcileScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    private static ReconcilePass Pass(long first, long last, DateTimeOffset? finished = null, byte[]? seen = null) =>
        new("AC43", Now.AddHours(-2), 7, first, last, null, seen, finished, 0);

    [Fact]
    public void IsDue_BeforeTheFirstPass_AndWhileAPassIsInProgress()
    {
        Assert.True(ReconcileSchedule.IsDue(null, Now, TimeSpan.FromHours(1)));
        Assert.True(ReconcileSchedule.IsDue(Pass(1, 10), Now, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void IsDue_OnceTheIntervalHasPassedSinceTheLastPassFinished()
    {
        Assert.False(ReconcileSchedule.IsDue(Pass(1, 10, Now.AddMinutes(-59)), Now, TimeSpan.FromHours(1)));
        Assert.True(ReconcileSchedule.IsDue(Pass(1, 10, Now.AddMinutes(-60)), Now, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Deleted_AreTheJudgedKeysNotMarked_AndMarksOutsideTheRangeAreIgnored()
    {
        var pass = Pass(101, 110);
        var seen = ReconcileSchedule.Seen(pass);
        ReconcileSchedule.Mark(seen, pass, [101, 103, 110, 111, 99]);
        StagedKey[] judged = [new(101, "1"), new(102, "2"), new(103, "3"), new(109, "\"张三\""), new(110, "10")];

        Assert.Equal([102L, 109L], ReconcileSchedule.Deleted(seen, pass, judged).Select(k => k.KeyId));
    }

    [Fact]
    public void Seen_GoesOnFromWhatARunSaved()
    {
        var pass = Pass(1, 20);
        var seen = ReconcileSchedule.Seen(pass);
        ReconcileSchedule.Mark(seen, pass, [1, 9, 20]);

        var resumed = ReconcileSchedule.Seen(pass with { Seen = ReconcileSchedule.ToBytes(seen) });

        Assert.Equal(20, resumed.Length);
        Assert.Equal([1, 9, 20], Enumerable.Range(1, 20).Where(id => resumed[id - 1]));
    }

    [Fact]
    public void Seen_OfAnEmptyIndex_IsEmpty()
    {
        var pass = Pass(1, 0);
        Assert.Equal(0, ReconcileSchedule.Seen(pass).Length);
        Assert.Empty(ReconcileSchedule.Deleted(ReconcileSchedule.Seen(pass), pass, []));
    }

    [Fact]
    public void Seen_OfARangeWiderThanABitArray_IsRefused_NamingTheRange_RatherThanWrapping()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ReconcileSchedule.Seen(Pass(5, 5 + ReconcileSchedule.MaxKeyIdSpan)));

        Assert.Contains("spans key ids 5 to 2147483652 (2147483648 ids", error.Message, StringComparison.Ordinal);
        Assert.Contains("handles at most 2147483647 ids", error.Message, StringComparison.Ordinal);
    }
}
