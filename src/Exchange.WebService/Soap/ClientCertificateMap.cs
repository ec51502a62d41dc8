using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Exchange.Core.Configuration;

namespace Exchange.WebService.Soap;

/// <summary>Client certificates (by SHA-256 thumbprint) bound to principal names (<c>Security:Tls:ClientCertificates</c>).</summary>
internal sealed class ClientCertificateMap
{
    private readonly Dictionary<string, string> _principalByThumbprint;

    /// <summary>Builds the map from the options.</summary>
    public ClientCertificateMap(IEnumerable<ClientCertificateOptions> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        _principalByThumbprint = certificates.ToDictionary(c => Normalize(c.Thumbprint), c => c.Principal, StringComparer.Ordinal);
    }

    /// <summary>The SHA-256 thumbprint as configured: upper-case hex without separators.</summary>
    public static string Normalize(string thumbprint) =>
        new([.. (thumbprint ?? "").Where(char.IsAsciiHexDigit).Select(char.ToUpperInvariant)]);

    /// <summary>The SHA-256 thumbprint of <paramref name="certificate"/>.</summary>
    public static string ThumbprintOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(SHA256.HashData(certificate.RawData));
    }

    /// <summary>The principal <paramref name="certificate"/> is bound to, or null (also for no certificate).</summary>
    public string? PrincipalFor(X509Certificate2? certificate) =>
        certificate is null || _principalByThumbprint.Count == 0 ? null : _principalByThumbprint.GetValueOrDefault(ThumbprintOf(certificate));
}
