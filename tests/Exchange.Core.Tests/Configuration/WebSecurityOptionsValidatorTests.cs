using Exchange.Core.Configuration;

namespace Exchange.Core.Tests.Configuration;

public sealed class WebSecurityOptionsValidatorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("exchange-security-").FullName;

    private static ExchangeOptions Options(Action<ExchangeOptions>? change = null)
    {
        var options = new ExchangeOptions { Principals = [new PrincipalOptions { Name = "insurer-a", PasswordHash = "pbkdf2-sha256$1$a$b" }] };
        change?.Invoke(options);
        return options;
    }

    private IReadOnlyList<ConfigurationProblem> Validate(ExchangeOptions options, Func<string, string?>? environment = null) =>
        WebSecurityOptionsValidator.Validate(options, p => Path.Combine(_folder, p), environment ?? (_ => null));

    [Fact]
    public void Validate_AcceptsTheDefaults() => Assert.Empty(Validate(Options()));

    [Fact]
    public void Validate_RefusesAReplayWindowOutsideHalfAMinuteToAnHour() =>
        Assert.Equal("Exchange:Security:ReplayWindow", Assert.Single(Validate(Options(o => o.Security.ReplayWindow = TimeSpan.FromHours(2)))).Field);

    [Fact]
    public void Validate_RefusesADigestSecretOfAnUnknownPrincipal_OrFromAnUnsetVariable()
    {
        var problems = Validate(Options(o => o.Security.DigestSecrets.Add(new DigestSecretOptions { Principal = "nobody", EnvironmentVariable = "EXCHANGE_TEST_UNSET" })));

        Assert.Contains(problems, p => p.Field == "Exchange:Security:DigestSecrets:0:Principal" && p.Message.Contains("insurer-a", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "Exchange:Security:DigestSecrets:0:EnvironmentVariable" && p.Message.Contains("EXCHANGE_TEST_UNSET", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AcceptsADigestSecretFromASetVariable() =>
        Assert.Empty(Validate(
            Options(o => o.Security.DigestSecrets.Add(new DigestSecretOptions { Principal = "insurer-a", EnvironmentVariable = "X" })),
            name => name == "X" ? "a-secret-of-16-chars" : null));

    [Fact]
    public void Validate_RefusesADigestSecretShorterThan16Characters_FromAVariableOrAFile()
    {
        var file = Path.Combine(_folder, "short.secret");
        File.WriteAllText(file, "fifteen-chars!!\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var problems = Validate(
            Options(o =>
            {
                o.Principals.Add(new PrincipalOptions { Name = "insurer-b", PasswordHash = "pbkdf2-sha256$1$a$b" });
                o.Security.DigestSecrets.Add(new DigestSecretOptions { Principal = "insurer-a", EnvironmentVariable = "X" });
                o.Security.DigestSecrets.Add(new DigestSecretOptions { Principal = "insurer-b", File = file });
            }),
            name => name == "X" ? "short" : null);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Field == "Exchange:Security:DigestSecrets:0:EnvironmentVariable" && p.Message.Contains("5 characters, at least 16", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "Exchange:Security:DigestSecrets:1:File" && p.Message.Contains("15 characters, at least 16", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Message.Contains("short", StringComparison.Ordinal) && !p.Message.Contains("characters", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RefusesASecretFileReadableByOthers_AndAcceptsItAfterChmod600()
    {
        var file = Path.Combine(_folder, "secret");
        File.WriteAllText(file, "a-secret-of-16-chars");
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var options = Options(o => o.Security.DigestSecrets.Add(new DigestSecretOptions { Principal = "insurer-a", File = "secret" }));

        Assert.Contains("chmod 600", Assert.Single(Validate(options)).Message, StringComparison.Ordinal);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Validate_RefusesABadThumbprint()
    {
        var problems = Validate(Options(o => o.Security.Tls.ClientCertificates.Add(new ClientCertificateOptions { Thumbprint = "AB:CD", Principal = "insurer-a" })));

        Assert.Contains(problems, p => p.Field == "Exchange:Security:Tls:ClientCertificates:0:Thumbprint" && p.Message.Contains("64 hex", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
