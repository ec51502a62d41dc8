using Exchange.Core.Configuration;
using Exchange.Core.Security;
using Exchange.WebService.Tests.Infrastructure;

namespace Exchange.WebService.Tests.Security;

public sealed class PrincipalAuthenticatorTests
{
    private readonly CountingHasher _hasher = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Authenticate_ReturnsThePrincipal_ForTheRightPassword_AndNullOtherwise()
    {
        var authenticator = Create();

        Assert.Equal("insurer-a", authenticator.Authenticate("insurer-a", "right")?.Name);
        Assert.Null(authenticator.Authenticate("insurer-a", "wrong"));
        Assert.Null(authenticator.Authenticate("nobody", "right"));
        Assert.Null(authenticator.Authenticate("INSURER-A", "right"));
    }

    [Fact]
    public void Authenticate_RunsPbkdf2OncePerPassword_WhileTheCacheHoldsIt()
    {
        var authenticator = Create();
        var before = _hasher.Verifications;

        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(authenticator.Authenticate("insurer-a", "right"));
        }

        Assert.Equal(before + 1, _hasher.Verifications);
    }

    [Fact]
    public void Authenticate_VerifiesAgain_AfterTheCacheLifetime()
    {
        var authenticator = Create();
        authenticator.Authenticate("insurer-a", "right");
        var before = _hasher.Verifications;

        _time.Advance(VerifiedCredentialCache.DefaultLifetime);
        authenticator.Authenticate("insurer-a", "right");

        Assert.Equal(before + 1, _hasher.Verifications);
    }

    [Fact]
    public void Authenticate_NeverCachesAWrongPassword()
    {
        var authenticator = Create();
        var before = _hasher.Verifications;

        authenticator.Authenticate("insurer-a", "wrong");
        authenticator.Authenticate("insurer-a", "wrong");

        Assert.Equal(before + 2, _hasher.Verifications);
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
}
