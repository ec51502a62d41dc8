namespace Exchange.Core.Security;

/// <summary>Hashes passwords for configuration and verifies a password against a stored hash.</summary>
public interface IPasswordHasher
{
    /// <summary>A new hash of <paramref name="password"/> with a fresh random salt, in the stored text format.</summary>
    string Hash(string password);

    /// <summary>Whether <paramref name="password"/> matches <paramref name="encodedHash"/>.</summary>
    /// <exception cref="FormatException"><paramref name="encodedHash"/> is not in the expected format.</exception>
    bool Verify(string password, string encodedHash);
}
