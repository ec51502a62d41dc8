using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Delivery;

/// <summary>The behaviour every <see cref="IPollPacer"/> must have, run against each implementation.</summary>
public abstract class PollPacerContract
{
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 6, 1, 2, 3, TimeSpan.Zero));

    /// <summary>A new pacer that has seen no poll, on <see cref="Clock"/>.</summary>
    protected abstract Task<IPollPacer> CreateAsync();

    protected static Principal Insurer(string name, double intervalSeconds = 30) =>
        new(name, PrincipalRole.Insurer, "", new HashSet<string>(), new HashSet<string>(), TimeSpan.FromSeconds(intervalSeconds));

    [Fact]
    public async Task Begin_SoonerThanTheInterval_IsPollTooSoon_WithTheSecondsToWait()
    {
        var pacer = await CreateAsync();
        var insurer = Insurer("insurer-a");
        await pacer.BeginAsync(insurer, default);
        Clock.Advance(TimeSpan.FromSeconds(10));

        var early = await Assert.ThrowsAsync<ExchangeFaultException>(() => pacer.BeginAsync(insurer, default).AsTask());

        Assert.Equal(ExchangeFaultCode.PollTooSoon, early.Code);
        Assert.Equal(20, early.RetryAfterSeconds);
        Assert.Contains("'insurer-a' may poll every 30 s as agreed; poll again in 20 s.", early.Message, StringComparison.Ordinal);

        // Within the tolerance of a timer that fires a little early.
        Clock.Advance(TimeSpan.FromSeconds(19));
        await pacer.BeginAsync(insurer, default);
    }

    [Fact]
    public async Task Begin_PacesEachPrincipalOnItsOwn_AndNotThoseWithoutAnInterval()
    {
        var pacer = await CreateAsync();
        await pacer.BeginAsync(Insurer("insurer-a"), default);

        await pacer.BeginAsync(Insurer("insurer-b"), default);
        await pacer.BeginAsync(Insurer("unpaced", 0), default);
        await pacer.BeginAsync(Insurer("unpaced", 0), default);
    }

    [Fact]
    public async Task Abandon_TakesBackAPollThatWasNotAnswered()
    {
        var pacer = await CreateAsync();
        var insurer = Insurer("insurer-a");
        await pacer.BeginAsync(insurer, default);
        Clock.Advance(TimeSpan.FromSeconds(30));
        var unanswered = await pacer.BeginAsync(insurer, default);
        Clock.Advance(TimeSpan.FromSeconds(1));

        await pacer.AbandonAsync(unanswered, default);

        // Back to the first poll, 31 s ago: the retry is let through at once.
        var retry = await pacer.BeginAsync(insurer, default);
        Assert.Equal(unanswered.Previous, retry.Previous);
    }

    [Fact]
    public async Task Abandon_OfAPollThatWasFollowedByAnother_LeavesTheLaterOneInPlace()
    {
        var pacer = await CreateAsync();
        var insurer = Insurer("insurer-a");
        var first = await pacer.BeginAsync(insurer, default);
        Clock.Advance(TimeSpan.FromSeconds(30));
        await pacer.BeginAsync(insurer, default);

        await pacer.AbandonAsync(first, default);

        var early = await Assert.ThrowsAsync<ExchangeFaultException>(() => pacer.BeginAsync(insurer, default).AsTask());
        Assert.Equal(30, early.RetryAfterSeconds);
    }
}

public sealed class PollPacerContractTests : PollPacerContract
{
    protected override Task<IPollPacer> CreateAsync() => Task.FromResult<IPollPacer>(new PollPacer(Clock));
}
