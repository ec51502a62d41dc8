using Exchange.Core.Configuration;

namespace Exchange.WebService.Operator;

/// <summary>What <c>Exchange:Operator:Urls</c> binds, and the Host names the operator endpoint answers to.</summary>
public static class OperatorBinding
{
    /// <summary>Always accepted as Host: a browser on the machine itself, which no DNS rebinding can stand for.</summary>
    public static IReadOnlyList<string> LoopbackNames { get; } = ["localhost", "127.0.0.1", "[::1]"];

    private static readonly string[] EveryAddress = ["*", "+", "0.0.0.0", "[::]"];

    /// <summary>The host of a Kestrel URL, lower case, IPv6 in brackets; null when there is none (<c>*</c> and <c>+</c> are returned as they are).</summary>
    public static string? HostOf(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        var rest = start < 0 ? url : url[(start + 3)..];
        var end = rest.IndexOfAny(['/', '?', '#']);
        return Normalize(end < 0 ? rest : rest[..end]);
    }

    /// <summary>
    /// A host as sent in a Host header or written in configuration, without its port, lower case, an IPv6 address in
    /// brackets and without a trailing dot; null when it is empty.
    /// </summary>
    public static string? Normalize(string? host)
    {
        host = host?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            return null;
        }

        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? host.ToLowerInvariant() : host[..(close + 1)].ToLowerInvariant();
        }

        var colons = host.Count(c => c == ':');
        if (colons > 1)
        {
            return "[" + host.ToLowerInvariant() + "]"; // a bare IPv6 address
        }

        if (colons == 1)
        {
            host = host[..host.IndexOf(':', StringComparison.Ordinal)];
        }

        host = host.TrimEnd('.').ToLowerInvariant();
        return host.Length == 0 ? null : host;
    }

    /// <summary>Whether the URL listens on every address (<c>*</c>, <c>+</c>, 0.0.0.0, [::]), so it names no host.</summary>
    public static bool BindsEveryAddress(string url) => HostOf(url) is { } host && EveryAddress.Contains(host, StringComparer.Ordinal);

    /// <summary>Whether any of the operator URLs listens outside loopback.</summary>
    public static bool BindsOutsideLoopback(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ListenUrls.BeyondLoopback(options.Urls).Count > 0;
    }

    /// <summary>The Host names accepted: loopback names, the named hosts of the URLs, and <see cref="OperatorOptions.AllowedHosts"/>; in that order.</summary>
    public static IReadOnlyList<string> AcceptedHosts(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var names = new List<string>(LoopbackNames);
        foreach (var url in ListenUrls.Split(options.Urls))
        {
            if (!BindsEveryAddress(url) && HostOf(url) is { } host && !names.Contains(host))
            {
                names.Add(host);
            }
        }

        foreach (var allowed in options.AllowedHosts)
        {
            if (Normalize(allowed) is { } host && !names.Contains(host))
            {
                names.Add(host);
            }
        }

        return names;
    }
}
