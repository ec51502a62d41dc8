using System.Net;

namespace Exchange.Core.Configuration;

/// <summary>What a <c>;</c>-separated list of Kestrel URLs (<c>Web:Urls</c>, <c>Operator:Urls</c>) exposes.</summary>
public static class ListenUrls
{
    /// <summary>The URLs of <paramref name="urls"/>, trimmed, empty entries dropped.</summary>
    public static IReadOnlyList<string> Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// True when <paramref name="host"/> (a URL's host, brackets allowed around IPv6) is loopback only: <c>localhost</c>,
    /// 127.0.0.0/8 or <c>::1</c>. Wildcards (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) and other names are not.
    /// </summary>
    public static bool IsLoopbackHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var bare = host.Trim().TrimStart('[').TrimEnd(']');
        return string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>The host of a Kestrel URL (<c>http://host:port/path</c>), wildcards included; empty when it has no scheme.</summary>
    public static string HostOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return "";
        }

        var rest = url[(scheme + 3)..];

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            rest = rest[..slash];
        }

        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? rest[..(close + 1)] : rest;
        }

        var colon = rest.LastIndexOf(':');
        return colon >= 0 ? rest[..colon] : rest;
    }

    /// <summary>True when the URL binds loopback only; a URL that cannot be read is not taken for loopback.</summary>
    public static bool IsLoopbackUrl(string url) => IsLoopbackHost(HostOf(url));

    /// <summary>True when every URL of <paramref name="urls"/> binds loopback only.</summary>
    public static bool LoopbackOnly(string? urls) => Split(urls).All(IsLoopbackUrl);

    /// <summary>The URLs of <paramref name="urls"/> that bind more than loopback (wildcards, other addresses, names).</summary>
    public static IReadOnlyList<string> BeyondLoopback(string? urls) => [.. Split(urls).Where(u => !IsLoopbackUrl(u))];

    /// <summary>The plain <c>http://</c> URLs of <paramref name="urls"/> that bind more than loopback.</summary>
    public static IReadOnlyList<string> PlainHttpOutsideLoopback(string? urls) =>
        [.. BeyondLoopback(urls).Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase))];
}
