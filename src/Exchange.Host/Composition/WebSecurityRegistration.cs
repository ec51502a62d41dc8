using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Exchange.Core.Configuration;
using Exchange.Host.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Exchange.Host.Composition;

/// <summary>Host wiring of the SOAP service's security: paths of secrets and certificates, and Kestrel TLS from PEM files.</summary>
internal static class WebSecurityRegistration
{
    /// <summary>
    /// Resolves <c>Security</c> file paths against the content root and, when <c>Security:Tls:CertificateFile</c> is set,
    /// serves the https:// URLs of <c>Web:Urls</c> with that PEM certificate, asking for (not requiring) a client certificate.
    /// A client certificate authenticates only when its SHA-256 thumbprint is bound to a principal (checked by the SOAP endpoint).
    /// </summary>
    public static WebApplicationBuilder AddExchangeWebSecurity(this WebApplicationBuilder builder, ConfigLocation location, ExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        // The options are the instance the host hands out (bound once), so resolving them here resolves them for everyone.
        ResolvePaths(options.Security, location);

        var tls = options.Security.Tls;
        if (string.IsNullOrEmpty(tls.CertificateFile))
        {
            return builder;
        }

        var certificate = X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);

        // The slim builder leaves HTTPS out unless asked for.
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = certificate;
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            if (tls.ClientCertificates.Count > 0)
            {
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;

                // Client certificates are self-issued by insurers as often as not: trust comes from the configured thumbprint, not a chain.
                https.ClientCertificateValidation = (_, _, _) => true;
            }
        }));
        return builder;
    }

    private static void ResolvePaths(WebSecurityOptions security, ConfigLocation location)
    {
        foreach (var secret in security.DigestSecrets.Where(s => !string.IsNullOrEmpty(s.File)))
        {
            secret.File = location.Resolve(secret.File!);
        }

        if (!string.IsNullOrEmpty(security.Tls.CertificateFile))
        {
            security.Tls.CertificateFile = location.Resolve(security.Tls.CertificateFile);
        }

        if (!string.IsNullOrEmpty(security.Tls.KeyFile))
        {
            security.Tls.KeyFile = location.Resolve(security.Tls.KeyFile);
        }
    }
}
