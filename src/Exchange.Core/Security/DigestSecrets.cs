using Exchange.Core.Configuration;

namespace Exchange.Core.Security;

/// <summary>
/// The clear secrets of <c>PasswordDigest</c> principals, read once at start from an environment variable or a protected
/// file (a digest cannot be checked against a PBKDF2 hash, so the secret itself has to be on the server).
/// </summary>
public sealed class DigestSecrets
{
    /// <summary>
    /// The shortest secret accepted: a digest and its nonce and Created travel in the clear, so a short secret could be
    /// found by trying candidates offline against one captured token.
    /// </summary>
    public const int MinLength = 16;

    private readonly Dictionary<string, string> _byPrincipal;

    /// <summary>Reads every configured secret.</summary>
    /// <exception cref="ArgumentException">A secret is missing, empty, or its file is readable by others; the message names it.</exception>
    public DigestSecrets(IEnumerable<DigestSecretOptions> secrets, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        environment ??= Environment.GetEnvironmentVariable;
        _byPrincipal = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in secrets)
        {
            _byPrincipal[secret.Principal] = Read(secret, environment);
        }
    }

    /// <summary>The principals that may use <c>PasswordDigest</c>.</summary>
    public IReadOnlyCollection<string> Principals => _byPrincipal.Keys;

    /// <summary>The secret of <paramref name="principal"/>, or null when it may not use <c>PasswordDigest</c>.</summary>
    public string? Find(string principal) => _byPrincipal.GetValueOrDefault(principal);

    /// <summary>Why a secret's file may not be used (missing, or readable by group or others on Unix), or null when it may.</summary>
    public static string? FileProblem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!System.IO.File.Exists(path))
        {
            return $"file '{path}' does not exist";
        }

        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            var mode = System.IO.File.GetUnixFileMode(path);
            if ((mode & Others) != 0)
            {
                return $"file '{path}' is readable or writable by group or others (mode {Convert.ToString((int)mode, 8)}); chmod 600 it";
            }
        }

        return null;
    }

    /// <summary>Why a secret may not be used (too short), or null when it may. The secret itself is never part of the message.</summary>
    public static string? ValueProblem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length >= MinLength
            ? null
            : $"the secret has {value.Length} characters, at least {MinLength} are needed (a captured digest token lets a short secret be guessed offline); generate one with 'openssl rand -base64 24'";
    }

    /// <summary>The secret in a file as the daemon reads it (one line, line break dropped).</summary>
    public static string ReadFile(string path) => System.IO.File.ReadAllText(path).TrimEnd('\r', '\n');

    private static string Read(DigestSecretOptions secret, Func<string, string?> environment)
    {
        var value = ReadUnchecked(secret, environment);
        return ValueProblem(value) is { } problem
            ? throw new ArgumentException($"Security:DigestSecrets ('{secret.Principal}'): {problem}.", nameof(secret))
            : value;
    }

    private static string ReadUnchecked(DigestSecretOptions secret, Func<string, string?> environment)
    {
        var where = $"Security:DigestSecrets ('{secret.Principal}')";
        string? value;
        if (!string.IsNullOrEmpty(secret.EnvironmentVariable))
        {
            value = environment(secret.EnvironmentVariable);
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"{where}: environment variable {secret.EnvironmentVariable} is not set or empty.", nameof(secret));
            }

            return value;
        }

        if (string.IsNullOrEmpty(secret.File))
        {
            throw new ArgumentException($"{where}: set EnvironmentVariable or File.", nameof(secret));
        }

        if (FileProblem(secret.File) is { } problem)
        {
            throw new ArgumentException($"{where}: {problem}.", nameof(secret));
        }

        value = ReadFile(secret.File);
        return value.Length > 0 ? value : throw new ArgumentException($"{where}: file '{secret.File}' is empty.", nameof(secret));
    }
}
