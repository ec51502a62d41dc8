using System.Net;
using Microsoft.AspNetCore.Http;

namespace Exchange.WebService.Soap;

/// <summary>
/// Where a call comes from and whether it travelled over TLS: the connection's own peer and scheme, or, when the peer is a
/// configured trusted proxy, the last address of its <c>X-Forwarded-For</c> and the last scheme of its <c>X-Forwarded-Proto</c>.
/// </summary>
internal sealed class CallerEndpoint
{
    private readonly HashSet<IPAddress> _trustedProxies;

    /// <summary>Believes forwarding headers only from <paramref name="trustedProxies"/> (IP addresses).</summary>
    /// <exception cref="ArgumentException">An entry is not an IP address.</exception>
    public CallerEndpoint(IEnumerable<string> trustedProxies)
    {
        ArgumentNullException.ThrowIfNull(trustedProxies);
        _trustedProxies = [];
        foreach (var text in trustedProxies)
        {
            if (!IPAddress.TryParse(text, out var address))
            {
                throw new ArgumentException($"Web:TrustedProxies entry '{text}' is not an IP address; list the proxies' addresses, e.g. 127.0.0.1 or ::1.", nameof(trustedProxies));
            }

            _trustedProxies.Add(Normal(address));
        }
    }

    /// <summary>The caller's address (null when unknown) and whether the call reached the service over TLS.</summary>
    public (IPAddress? Address, bool Secure) Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var peer = context.Connection.RemoteIpAddress is { } p ? Normal(p) : null;
        var secure = context.Request.IsHttps;
        if (peer is null || _trustedProxies.Count == 0 || !_trustedProxies.Contains(peer))
        {
            return (peer, secure);
        }

        // Only the proxy's own hop is believed: the last entry is the address it saw, earlier ones the client wrote itself.
        var forwarded = Last(context.Request.Headers["X-Forwarded-For"]);
        if (forwarded is null || !IPAddress.TryParse(forwarded, out var client))
        {
            return (peer, secure);
        }

        var proto = Last(context.Request.Headers["X-Forwarded-Proto"]);
        return (Normal(client), proto is null ? secure : string.Equals(proto, "https", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when clear-text credentials may be accepted from this caller: over TLS, or from loopback.</summary>
    public static bool MayReceiveClearText(IPAddress? address, bool secure) => secure || (address is not null && IPAddress.IsLoopback(address));

    private static string? Last(Microsoft.Extensions.Primitives.StringValues values)
    {
        for (var i = values.Count - 1; i >= 0; i--)
        {
            var parts = (values[i] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length > 0)
            {
                return parts[^1];
            }
        }

        return null;
    }

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
