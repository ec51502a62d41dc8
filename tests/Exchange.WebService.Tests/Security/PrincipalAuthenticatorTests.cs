using Exchange.Core.Configuration;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Microsoft.Extensions.Time.Testing;

namespace Exchange.WebService.Tests.Security;

public sealed class PrincipalAuthenticatorTests
{
    private readonly CountingHasher _hasher = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Authenticate_ReturnsThePrincipal_ForTheRightPassword_AndNullOtherwise()
    {
        var authenticator = Create();

        Assert.Equal("insurer-a", (await authenticator.AuthenticateAsync("insurer-a", "right"))?.Name);
        Assert.Null(await authenticator.AuthenticateAsync("insurer-a", "wrong"));
        Assert.Null(await authenticator.AuthenticateAsync("nobody", "right"));
        Assert.Null(await authenticator.AuthenticateAsync("INSURER-A", "right"));
    }

    [Fact]
    public async Task Authenticate_RunsPbkdf2OncePerPassword_WhileTheCacheHoldsIt()
    {
        var authenticator = Create();
        var before = _hasher.Verifications;

        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await authenticator.AuthenticateAsync("insurer-a", "right"));
        }

        Assert.Equal(before + 1, _hasher.Verifications);
    }

    [Fact]
    public async Task Authenticate_VerifiesAgain_AfterTheCacheLifetime()
    {
        var authenticator = Create();
        await authenticator.AuthenticateAsync("insurer-a", "right");
        var before = _hasher.Verifications;

        _time.Advance(VerifiedCredentialCache.DefaultLifetime);
        await authenticator.AuthenticateAsync("insurer-a", "right");

        Assert.Equal(before + 1, _hasher.Verifications);
    }

    [Fact]
    public async Task Authenticate_NeverCachesAWrongPassword()
    {
        var authenticator = Create();
        var before = _hasher.Verifications;

        await authenticator.AuthenticateAsync("insurer-a", "wrong");
        await authenticator.AuthenticateAsync("insurer-a", "wrong");

        Assert.Equal(before + 2, _hasher.Verifications);
    }

    [Fact]
    public async Task UnknownName_IsCheckedAgainstADummyHash_WithThePrincipalsIterationCount()
    {
        var hasher = new RecordingHasher();
        var registry = new PrincipalRegistry([Options("insurer-a", new Pbkdf2PasswordHasher(iterations: 1_234).Hash("right"))]);
        using var authenticator = new PrincipalAuthenticator(registry, hasher, new VerifiedCredentialCache(_time));

        Assert.Null(await authenticator.AuthenticateAsync("nobody", "guess"));

        Assert.Equal(1_234, authenticator.DummyIterations);
        Assert.Equal(1_234, Pbkdf2PasswordHasher.IterationsOf(Assert.Single(hasher.Checked)));
    }

    [Fact]
    public async Task PasswordChecks_ShareTheGlobalBudget_AndACheckThatCannotStartIsRefusedUnavailable()
    {
        var hasher = new BlockingHasher();
        var registry = new PrincipalRegistry([Options("insurer-a", _hasher.Hash("right"))]);
        using var authenticator = new PrincipalAuthenticator(registry, hasher, new VerifiedCredentialCache(_time), concurrentChecks: 1);

        var first = Task.Run(async () => await authenticator.AuthenticateAsync("nobody", "guess-1"));
        Assert.True(hasher.Entered.Wait(TimeSpan.FromSeconds(10)), "the first check never started");
        var second = await Assert.ThrowsAsync<ExchangeFaultException>(async () => await authenticator.AuthenticateAsync("insurer-a", "guess-2"));
        hasher.Release.Set();

        Assert.Equal(ExchangeFaultCode.Unavailable, second.Code);
        Assert.Contains("at once (1)", second.Message, StringComparison.Ordinal);
        Assert.Null(await first);
        Assert.Equal(1, hasher.Calls);
    }

    [Fact]
    public void Cache_ForgetsAVerification_WhenThePrincipalsHashChanges()
    {
        var cache = new VerifiedCredentialCache(_time);
        var principal = new PrincipalRegistry([Options("insurer-a", _hasher.Hash("right"))]).Find("insurer-a")!;
        cache.Remember(principal, "right");

        var rotated = principal with { PasswordHash = _hasher.Hash("right") };

        Assert.True(cache.IsVerified(principal, "right"));
        Assert.False(cache.IsVerified(rotated, "right"));
    }

    [Fact]
    public void Registry_RefusesAMalformedHash_NamingThePrincipal()
    {
        var error = Assert.Throws<ArgumentException>(() => new PrincipalRegistry([Options("insurer-a", "plain-text")]));

        Assert.Contains("insurer-a", error.Message, StringComparison.Ordinal);
        Assert.Contains("PasswordHash", error.Message, StringComparison.Ordinal);
        Assert.Contains(Pbkdf2PasswordHasher.ExpectedFormat, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("admin", "Role")]
    [InlineData("insurer", "twice")]
    public void Registry_RefusesBadRolesAndDuplicateNames(string secondRole, string problem)
    {
        var hash = _hasher.Hash("x");
        var error = Assert.Throws<ArgumentException>(() => new PrincipalRegistry(
        [
            Options("insurer-a", hash),
            new PrincipalOptions { Name = secondRole == "admin" ? "other" : "insurer-a", Role = secondRole, PasswordHash = hash },
        ]));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private PrincipalAuthenticator Create()
    {
        var registry = new PrincipalRegistry([Options("insurer-a", _hasher.Hash("right"))]);
        return new PrincipalAuthenticator(registry, _hasher, new VerifiedCredentialCache(_time));
    }

    private static PrincipalOptions Options(string name, string hash) =>
        new() { Name = name, Role = "insurer", PasswordHash = hash, Datasets = ["AC01"] };

    private sealed class CountingHasher : IPasswordHasher
    {
        private readonly Pbkdf2PasswordHasher _inner = new(iterations: 1_000);

        public int Verifications { get; private set; }

        public string Hash(string password) => _inner.Hash(password);

        public bool Verify(string password, string encodedHash)
        {
            Verifications++;
            return _inner.Verify(password, encodedHash);
        }
    }

    private sealed class RecordingHasher : IPasswordHasher
    {
        private readonly Pbkdf2PasswordHasher _inner = new(iterations: 1_000);

        public List<string> Checked { get; } = [];

        public string Hash(string password) => _inner.Hash(password);

        public bool Verify(string password, string encodedHash)
        {
            Checked.Add(encodedHash);
            return _inner.Verify(password, encodedHash);
        }
    }

    private sealed class BlockingHasher : IPasswordHasher
    {
        private readonly Pbkdf2PasswordHasher _inner = new(iterations: 1_000);
        private int _calls;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public int Calls => Volatile.Read(ref _calls);

        public string Hash(string password) => _inner.Hash(password);

        public bool Verify(string password, string encodedHash)
        {
            Interlocked.Increment(ref _calls);
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
            return _inner.Verify(password, encodedHash);
        }
    }
}
