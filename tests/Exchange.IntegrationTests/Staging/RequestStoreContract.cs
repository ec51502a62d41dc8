using System.Collections.Concurrent;
using Exchange.Core.Operations;
using Exchange.Core.Requests;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.IntegrationTests.Staging;

/// <summary>The behaviour every <see cref="IRequestStore"/> must have, run against SQLite and PostgreSQL.</summary>
public abstract class RequestStoreContract
{
    private static readonly string[] Codes = ["1101", "1102"];

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));

    /// <summary>A new, empty, migrated store.</summary>
    protected abstract Task<TestStaging> CreateStoreAsync();

    /// <summary>A second store instance (its own connections, like a second daemon) on the same database as <paramref name="store"/>.</summary>
    protected abstract Task<TestStaging> OpenAnotherAsync(TestStaging store);

    private static NewRequest Request(string msgId, string input = "{\"id\":\"1\"}", string insurer = "ins-a", string infNo = "1101", TimeSpan? expiry = null) =>
        new(insurer, msgId, infNo, input, Hash(infNo, input), expiry ?? TimeSpan.FromMinutes(30));

    private static string Hash(string infNo, string input) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(infNo + "\n" + input)));

    [Fact]
    public async Task Submit_StoresAPendingRequest_WithARefMsgIdOfItsOwn()
    {
        var store = await CreateStoreAsync();
        var first = await store.Requests.SubmitRequestAsync(Request("m1"), default);
        var second = await store.Requests.SubmitRequestAsync(Request("m2"), default);

        Assert.Equal(SubmitOutcome.Accepted, first.Outcome);
        Assert.Equal(RequestStatus.Pending, first.Request.Status);
        Assert.Equal(Clock.GetUtcNow(), first.Request.CreatedAt);
        Assert.Equal(Clock.GetUtcNow().AddMinutes(30), first.Request.ExpiresAt);
        Assert.NotEqual(first.Request.RefMsgId, second.Request.RefMsgId);
        Assert.Equal("m1", first.Request.MsgId);
    }

    [Fact]
    public async Task Submit_SameMsgIdSameContent_ReturnsTheOriginalRefMsgIdAndCurrentStatus()
    {
        var store = await CreateStoreAsync();
        var original = await store.Requests.SubmitRequestAsync(Request("m1"), default);
        await store.Requests.ClaimRequestsAsync("w1", Codes, 1, TimeSpan.FromMinutes(1), default);

        var again = await store.Requests.SubmitRequestAsync(Request("m1"), default);

        Assert.Equal(SubmitOutcome.Resubmitted, again.Outcome);
        Assert.Equal(original.Request.RefMsgId, again.Request.RefMsgId);
        Assert.Equal(RequestStatus.Processing, again.Request.Status);
    }

    [Fact]
    public async Task Submit_SameMsgIdDifferentContent_IsADuplicate_AndKeepsTheOriginal()
    {
        var store = await CreateStoreAsync();
        var original = await store.Requests.SubmitRequestAsync(Request("m1"), default);

        var otherInput = await store.Requests.SubmitRequestAsync(Request("m1", input: "{\"id\":\"2\"}"), default);
        var otherCode = await store.Requests.SubmitRequestAsync(Request("m1", infNo: "1102"), default);

        Assert.Equal(SubmitOutcome.DuplicateMsgId, otherInput.Outcome);
        Assert.Equal(SubmitOutcome.DuplicateMsgId, otherCode.Outcome);
        Assert.Equal(original.Request, otherInput.Request);
        var stored = await store.Requests.GetResponseAsync("ins-a", "m1", false, default);
        Assert.Equal("{\"id\":\"1\"}", stored!.Request.Input);
    }

    [Fact]
    public async Task Submit_TheSameMsgIdFromAnotherInsurer_IsAnotherRequest_AndInvisibleToTheFirst()
    {
        var store = await CreateStoreAsync();
        var a = await store.Requests.SubmitRequestAsync(Request("m1", insurer: "ins-a"), default);
        var b = await store.Requests.SubmitRequestAsync(Request("m1", insurer: "ins-b", input: "{\"id\":\"9\"}"), default);

        Assert.Equal(SubmitOutcome.Accepted, b.Outcome);
        Assert.NotEqual(a.Request.RefMsgId, b.Request.RefMsgId);
        Assert.Equal("{\"id\":\"1\"}", (await store.Requests.GetResponseAsync("ins-a", "m1", false, default))!.Request.Input);
        Assert.Null(await store.Requests.GetResponseAsync("ins-c", "m1", false, default));
    }

    [Fact]
    public async Task Submit_ManyIdenticalSubmissionsRacing_StoreExactlyOneRequest()
    {
        var store = await CreateStoreAsync();
        var other = await OpenAnotherAsync(store);
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => (i % 2 == 0 ? store : other).Requests.SubmitRequestAsync(Request("race"), default))));

        Assert.Single(results, r => r.Outcome == SubmitOutcome.Accepted);
        Assert.All(results, r => Assert.NotEqual(SubmitOutcome.DuplicateMsgId, r.Outcome));
        Assert.Single(results.Select(r => r.Request.RefMsgId).Distinct());
    }

    [Fact]
    public async Task Claim_TakesOldestPendingFirst_OnlyOfTheGivenFunctionCodes_AndCountsTheAttempt()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("old"), default);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.Requests.SubmitRequestAsync(Request("other-code", infNo: "9999"), default);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.Requests.SubmitRequestAsync(Request("new", infNo: "1102"), default);

        var claimed = await store.Requests.ClaimRequestsAsync("w1", Codes, 10, TimeSpan.FromMinutes(1), default);

        Assert.Equal(["old", "new"], claimed.Select(c => c.Request.MsgId));
        Assert.All(claimed, c => Assert.Equal((RequestStatus.Processing, 1, "w1"), (c.Request.Status, c.Request.Attempts, c.ClaimedBy)));
        Assert.Empty(await store.Requests.ClaimRequestsAsync("w2", Codes, 10, TimeSpan.FromMinutes(1), default));
    }

    [Fact]
    public async Task Claim_TwoWorkersRacing_NeverHoldTheSameRequest_AndTogetherTakeEveryOne()
    {
        var store = await CreateStoreAsync();
        var other = await OpenAnotherAsync(store);
        for (var i = 0; i < 60; i++)
        {
            await store.Requests.SubmitRequestAsync(Request($"m{i}", infNo: Codes[i % 2]), default);
        }

        var taken = new ConcurrentBag<(string Worker, long Id)>();
        async Task WorkAsync(TestStaging s, string worker)
        {
            while (true)
            {
                var claimed = await s.Requests.ClaimRequestsAsync(worker, Codes, 2, TimeSpan.FromMinutes(5), default);
                if (claimed.Count == 0)
                {
                    return;
                }

                foreach (var c in claimed)
                {
                    taken.Add((worker, c.Request.RequestId));
                    Assert.True(await s.Requests.CompleteRequestAsync(c.Request.RequestId, worker, RequestAnswer.Ok("[]"), default), $"{worker} lost request {c.Request.RequestId}");
                }
            }
        }

        await Task.WhenAll(Task.Run(() => WorkAsync(store, "w1")), Task.Run(() => WorkAsync(other, "w2")));

        Assert.Equal(60, taken.Count);
        Assert.Equal(60, taken.Select(t => t.Id).Distinct().Count());
        for (var i = 0; i < 60; i++)
        {
            var answered = await store.Requests.GetResponseAsync("ins-a", $"m{i}", false, default);
            Assert.Equal(RequestStatus.Completed, answered!.Request.Status);
            Assert.Equal(1, answered.Request.Attempts);
        }
    }

    [Fact]
    public async Task HasClaimable_AnswersWhatAClaimWouldFind_WithoutClaiming()
    {
        var store = await CreateStoreAsync();
        Assert.False(await store.Requests.HasClaimableRequestsAsync(Codes, default));
        await store.Requests.SubmitRequestAsync(Request("other", infNo: "9999"), default);
        await store.Requests.SubmitRequestAsync(Request("old", expiry: TimeSpan.FromSeconds(10)), default);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(await store.Requests.HasClaimableRequestsAsync(Codes, default)); // another code, and one past its expiry
        Assert.False(await store.Requests.HasClaimableRequestsAsync([], default));

        await store.Requests.SubmitRequestAsync(Request("m1", infNo: "1102"), default);
        Assert.True(await store.Requests.HasClaimableRequestsAsync(Codes, default));
        Assert.True(await store.Requests.HasClaimableRequestsAsync(Codes, default)); // asking claims nothing
        var claimed = Assert.Single(await store.Requests.ClaimRequestsAsync("w1", Codes, 10, TimeSpan.FromMinutes(1), default));
        Assert.False(await store.Requests.HasClaimableRequestsAsync(Codes, default)); // its lease holds

        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await store.Requests.HasClaimableRequestsAsync(Codes, default)); // its lease ran out
        var again = Assert.Single(await store.Requests.ClaimRequestsAsync("w2", Codes, 10, TimeSpan.FromMinutes(1), default));
        Assert.Equal(claimed.Request.RequestId, again.Request.RequestId);
        Assert.True(await store.Requests.CompleteRequestAsync(again.Request.RequestId, "w2", RequestAnswer.Ok("[]"), default));
        Assert.False(await store.Requests.HasClaimableRequestsAsync(Codes, default));
    }

    [Fact]
    public async Task Claim_TakesOverAnExpiredLease_AndTheDeadWorkerCanNoLongerAnswer()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("m1"), default);
        var first = Assert.Single(await store.Requests.ClaimRequestsAsync("dead", Codes, 1, TimeSpan.FromMinutes(1), default));

        Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await store.Requests.ClaimRequestsAsync("w2", Codes, 1, TimeSpan.FromMinutes(1), default));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var second = Assert.Single(await store.Requests.ClaimRequestsAsync("w2", Codes, 1, TimeSpan.FromMinutes(1), default));

        Assert.Equal(first.Request.RequestId, second.Request.RequestId);
        Assert.Equal(2, second.Request.Attempts);
        Assert.False(await store.Requests.CompleteRequestAsync(first.Request.RequestId, "dead", RequestAnswer.Ok("[\"late\"]"), default));
        Assert.Null(await store.Requests.FailAttemptAsync(first.Request.RequestId, "dead", 3, "x", default));
        Assert.True(await store.Requests.CompleteRequestAsync(second.Request.RequestId, "w2", RequestAnswer.Ok("[\"fresh\"]"), default));
        Assert.Equal("[\"fresh\"]", (await store.Requests.GetResponseAsync("ins-a", "m1", false, default))!.Answer!.Output);
    }

    [Fact]
    public async Task Complete_StoresTheOneResponse_AndASecondAnswerIsRefused()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("m1"), default);
        var claimed = Assert.Single(await store.Requests.ClaimRequestsAsync("w1", Codes, 1, TimeSpan.FromMinutes(1), default));
        Clock.Advance(TimeSpan.FromSeconds(3));

        Assert.True(await store.Requests.CompleteRequestAsync(claimed.Request.RequestId, "w1", RequestAnswer.Ok("[{\"a\":1}]"), default));
        Assert.False(await store.Requests.CompleteRequestAsync(claimed.Request.RequestId, "w1", RequestAnswer.Ok("[{\"a\":2}]"), default));

        var answered = await store.Requests.GetResponseAsync("ins-a", "m1", false, default);
        Assert.Equal(RequestStatus.Completed, answered!.Request.Status);
        Assert.Equal(new RequestAnswer(0, null, "[{\"a\":1}]"), answered.Answer);
        Assert.Equal(Clock.GetUtcNow(), answered.RespondedAt);
    }

    [Fact]
    public async Task Complete_WithAFailureAnswer_EndsFailed()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("m1"), default);
        var claimed = Assert.Single(await store.Requests.ClaimRequestsAsync("w1", Codes, 1, TimeSpan.FromMinutes(1), default));

        Assert.True(await store.Requests.CompleteRequestAsync(claimed.Request.RequestId, "w1", RequestAnswer.Fail("no such person"), default));

        var answered = await store.Requests.GetResponseAsync("ins-a", "m1", false, default);
        Assert.Equal((RequestStatus.Failed, -1, "no such person"), (answered!.Request.Status, answered.Answer!.InfCode, answered.Answer.ErrMsg));
    }

    [Fact]
    public async Task FailAttempt_PutsTheRequestBack_ThenEndsItFailedAfterTheLastAttempt()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("m1"), default);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var claimed = Assert.Single(await store.Requests.ClaimRequestsAsync("w1", Codes, 1, TimeSpan.FromMinutes(1), default));
            Assert.Equal(attempt, claimed.Request.Attempts);
            Assert.Equal(RequestStatus.Pending, await store.Requests.FailAttemptAsync(claimed.Request.RequestId, "w1", 3, "source unavailable", default));
            Assert.Null((await store.Requests.GetResponseAsync("ins-a", "m1", false, default))!.Answer);
        }

        var last = Assert.Single(await store.Requests.ClaimRequestsAsync("w1", Codes, 1, TimeSpan.FromMinutes(1), default));
        Assert.Equal(RequestStatus.Failed, await store.Requests.FailAttemptAsync(last.Request.RequestId, "w1", 3, "source unavailable", default));

        var answered = await store.Requests.GetResponseAsync("ins-a", "m1", false, default);
        Assert.Equal((RequestStatus.Failed, 3, -1, "source unavailable"), (answered!.Request.Status, answered.Request.Attempts, answered.Answer!.InfCode, answered.Answer.ErrMsg));
        Assert.Empty(await store.Requests.ClaimRequestsAsync("w1", Codes, 1, TimeSpan.FromMinutes(1), default));
    }

    [Fact]
    public async Task Expire_EndsUnansweredRequestsPastTheirExpiry_WithAFailureResponse_AndLeavesTheRest()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("claimed", expiry: TimeSpan.FromMinutes(1)), default);
        await store.Requests.SubmitRequestAsync(Request("done", expiry: TimeSpan.FromMinutes(1)), default);
        var claimed = await store.Requests.ClaimRequestsAsync("w1", Codes, 2, TimeSpan.FromMinutes(5), default);
        await store.Requests.SubmitRequestAsync(Request("short", expiry: TimeSpan.FromMinutes(1)), default);
        await store.Requests.SubmitRequestAsync(Request("long", expiry: TimeSpan.FromMinutes(10)), default);
        var done = claimed.Single(c => c.Request.MsgId == "done");
        var stuck = claimed.Single(c => c.Request.MsgId == "claimed");
        Assert.True(await store.Requests.CompleteRequestAsync(done.Request.RequestId, "w1", RequestAnswer.Ok("[]"), default));

        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["long"], (await store.Requests.ClaimRequestsAsync("w2", Codes, 10, TimeSpan.FromMinutes(1), default)).Select(c => c.Request.MsgId));
        Assert.Equal(2, await store.Requests.ExpireRequestsAsync(default));
        Assert.Equal(0, await store.Requests.ExpireRequestsAsync(default));

        foreach (var msgId in new[] { "short", "claimed" })
        {
            var expired = await store.Requests.GetResponseAsync("ins-a", msgId, false, default);
            Assert.Equal((RequestStatus.Expired, -1), (expired!.Request.Status, expired.Answer!.InfCode));
        }

        Assert.False(await store.Requests.CompleteRequestAsync(stuck.Request.RequestId, "w1", RequestAnswer.Ok("[]"), default));
        Assert.Equal(RequestStatus.Completed, (await store.Requests.GetResponseAsync("ins-a", "done", false, default))!.Request.Status);
        Assert.NotEqual(RequestStatus.Expired, (await store.Requests.GetResponseAsync("ins-a", "long", false, default))!.Request.Status);
    }

    [Fact]
    public async Task UnreadAnswers_AreListedPerInsurer_UntilTheResponseIsRead()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("a1"), default);
        await store.Requests.SubmitRequestAsync(Request("a2"), default);
        await store.Requests.SubmitRequestAsync(Request("b1", insurer: "ins-b"), default);
        foreach (var c in await store.Requests.ClaimRequestsAsync("w1", Codes, 10, TimeSpan.FromMinutes(1), default))
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            await store.Requests.CompleteRequestAsync(c.Request.RequestId, "w1", RequestAnswer.Ok("[]"), default);
        }

        Assert.Equal(["a1", "a2"], await store.Requests.GetUnreadAnsweredMsgIdsAsync("ins-a", 10, default));
        Assert.NotNull(await store.Requests.GetResponseAsync("ins-a", "a1", true, default));
        Assert.Equal(["a2"], await store.Requests.GetUnreadAnsweredMsgIdsAsync("ins-a", 10, default));
        Assert.Equal(["b1"], await store.Requests.GetUnreadAnsweredMsgIdsAsync("ins-b", 10, default));
    }

    [Fact]
    public async Task Purge_DeletesFinalRequestsOlderThanTheCutoff_AndKeepsUnansweredOnes()
    {
        var store = await CreateStoreAsync();
        await store.Requests.SubmitRequestAsync(Request("old-final"), default);
        await store.Requests.SubmitRequestAsync(Request("old-pending", infNo: "9999"), default);
        var claimed = Assert.Single(await store.Requests.ClaimRequestsAsync("w1", Codes, 1, TimeSpan.FromMinutes(1), default));
        await store.Requests.CompleteRequestAsync(claimed.Request.RequestId, "w1", RequestAnswer.Ok("[]"), default);
        Clock.Advance(TimeSpan.FromDays(8));

        var purged = await store.Operations.PurgeAsync(
            new RetentionPolicy(DateTimeOffset.MinValue, Clock.GetUtcNow().AddDays(-7), DateTimeOffset.MinValue, DateTimeOffset.MinValue, new Dictionary<string, IReadOnlyList<string>>()),
            default);

        Assert.Equal((1L, 1L), (purged.Requests, purged.Responses));

        Assert.Null(await store.Requests.GetResponseAsync("ins-a", "old-final", false, default));
        Assert.NotNull(await store.Requests.GetResponseAsync("ins-a", "old-pending", false, default));
        Assert.Equal(SubmitOutcome.Accepted, (await store.Requests.SubmitRequestAsync(Request("old-final"), default)).Outcome);
    }

    [Fact]
    public async Task GetRequestByRef_FindsTheRequest_OrNull()
    {
        var store = await CreateStoreAsync();
        var submitted = await store.Requests.SubmitRequestAsync(Request("m1"), default);
        Assert.Equal(submitted.Request, await store.Requests.GetRequestByRefAsync(submitted.Request.RefMsgId, default));
        Assert.Null(await store.Requests.GetRequestByRefAsync("nope", default));
    }
}
