using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Exchange.Core.Security;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes in the text form <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;saltBase64&gt;$&lt;hashBase64&gt;</c>
/// (16-byte salt, 32-byte hash).
/// </summary>
public sealed class Pbkdf2PasswordHasher : IPasswordHasher
{
    /// <summary>Iterations used for new hashes unless another count is given.</summary>
    public const int DefaultIterations = 100_000;

    /// <summary>The text format, as shown in error messages.</summary>
    public const string ExpectedFormat = "pbkdf2-sha256$<iterations>$<saltBase64 (16 bytes)>$<hashBase64 (32 bytes)>";

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // A stored hash with an absurd iteration count would let a configuration mistake stall every login.
    private const int MaxIterations = 10_000_000;

    private readonly int _iterations;

    /// <summary>Creates a hasher that writes new hashes with <paramref name="iterations"/> iterations.</summary>
    public Pbkdf2PasswordHasher(int iterations = DefaultIterations)
    {
        if (iterations is < 1 or > MaxIterations)
        {
            throw new ArgumentOutOfRangeException(nameof(iterations), iterations, $"Iterations must be between 1 and {MaxIterations}, was {iterations}.");
        }

        _iterations = iterations;
    }

    /// <inheritdoc />
    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, _iterations);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${_iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <inheritdoc />
    public bool Verify(string password, string encodedHash)
    {
        ArgumentNullException.ThrowIfNull(password);
        var (iterations, salt, expected) = Parse(encodedHash);
        var actual = Derive(password, salt, iterations);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>The iteration count of a stored hash.</summary>
    /// <exception cref="FormatException">The hash is malformed.</exception>
    public static int IterationsOf(string encodedHash) => Parse(encodedHash).Iterations;

    /// <summary>Checks that <paramref name="encodedHash"/> is in the expected format, without verifying anything.</summary>
    /// <exception cref="FormatException">The hash is malformed; the message names the part and the expected format.</exception>
    public static void Validate(string encodedHash) => Parse(encodedHash);

    private static (int Iterations, byte[] Salt, byte[] Hash) Parse(string? encodedHash)
    {
        if (string.IsNullOrEmpty(encodedHash))
        {
            throw Malformed("it is empty");
        }

        var parts = encodedHash.Split('$');
        if (parts.Length != 4)
        {
            throw Malformed($"it has {parts.Length} '$'-separated parts, 4 are needed");
        }

        if (!string.Equals(parts[0], Scheme, StringComparison.Ordinal))
        {
            throw Malformed($"the scheme is '{parts[0]}', only '{Scheme}' is supported");
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations is < 1 or > MaxIterations)
        {
            throw Malformed($"the iteration count '{parts[1]}' is not a whole number between 1 and {MaxIterations}");
        }

        var salt = DecodeBase64(parts[2], "salt", SaltBytes);
        var hash = DecodeBase64(parts[3], "hash", HashBytes);
        return (iterations, salt, hash);
    }

    private static byte[] DecodeBase64(string text, string part, int expectedBytes)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Malformed($"the {part} is not valid base64");
        }

        if (bytes.Length != expectedBytes)
        {
            throw Malformed($"the {part} is {bytes.Length} bytes, {expectedBytes} are needed");
        }

        return bytes;
    }

    // The hash itself is not repeated in the message: it is credential material.
    private static FormatException Malformed(string reason) =>
        new($"Password hash is malformed: {reason}. Expected '{ExpectedFormat}', as printed by 'exchange hash-password'.");

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}
