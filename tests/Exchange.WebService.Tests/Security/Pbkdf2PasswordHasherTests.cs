using Exchange.Core.Security;

namespace Exchange.WebService.Tests.Security;

public sealed class Pbkdf2PasswordHasherTests
{
    private readonly Pbkdf2PasswordHasher _hasher = new(iterations: 1_000);

    [Fact]
    public void Hash_WritesSchemeIterations16ByteSaltAnd32ByteHash()
    {
        var parts = _hasher.Hash("secret").Split('$');

        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("1000", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void Hash_UsesTheDefaultOf100000Iterations_WhenNoneAreGiven() =>
        Assert.Equal("100000", new Pbkdf2PasswordHasher().Hash("secret").Split('$')[1]);

    [Fact]
    public void Hash_UsesAFreshSaltEachTime() => Assert.NotEqual(_hasher.Hash("secret"), _hasher.Hash("secret"));

    [Fact]
    public void Verify_AcceptsTheHashedPassword_AndRefusesAnyOther()
    {
        var hash = _hasher.Hash("密码-secret");

        Assert.True(_hasher.Verify("密码-secret", hash));
        Assert.False(_hasher.Verify("密码-secreT", hash));
        Assert.False(_hasher.Verify("", hash));
    }

    [Fact]
    public void Verify_UsesTheIterationsStoredInTheHash()
    {
        var hash = new Pbkdf2PasswordHasher(iterations: 2_000).Hash("secret");

        Assert.True(_hasher.Verify("secret", hash));
    }

    [Fact]
    public void Verify_MatchesAKnownVector()
    {
        // PBKDF2-HMAC-SHA256("password", salt = 16 zero bytes, 1000 iterations, 32 bytes), computed independently with Python's hashlib.
        const string Known = "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$dGBRjrF0HXvnspFIKLlwEavbAfLm6U/5VEkKXHS+VVQ=";

        Assert.True(_hasher.Verify("password", Known));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("plaintext-password", "4 are needed")]
    [InlineData("bcrypt$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "scheme")]
    [InlineData("pbkdf2-sha256$lots$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "iteration count")]
    [InlineData("pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "iteration count")]
    [InlineData("pbkdf2-sha256$1000$not base64!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "salt is not valid base64")]
    [InlineData("pbkdf2-sha256$1000$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "salt is 3 bytes")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA", "hash is 3 bytes")]
    public void Verify_RefusesAMalformedHash_NamingTheProblemAndTheExpectedFormat(string hash, string problem)
    {
        var error = Assert.Throws<FormatException>(() => _hasher.Verify("secret", hash));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(Pbkdf2PasswordHasher.ExpectedFormat, error.Message, StringComparison.Ordinal);
    }
}
