using System.Net.Http.Headers;
using System.Text;
using Exchange.Core.Delivery;
using Exchange.Core.Security;
using Exchange.WebService.Soap;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Exchange.WebService.Operator;

/// <summary>
/// Guards the operator endpoint. Every request must carry one of the endpoint's own names as Host (a page on another site
/// whose name was re-pointed at this machine, DNS rebinding, sends its own name). The status page and /metrics need an
/// operator's HTTP Basic credentials whenever operator principals are configured, which they must be when the endpoint
/// listens outside loopback. /healthz and /readyz stay open for load balancers; without credentials /readyz answers only
/// ready or not ready, not which databases it checked.
/// </summary>
public sealed partial class OperatorAccess
{
    /// <summary>The <see cref="HttpContext.Items"/> key set to true when the request may see details (credentials checked, or none needed).</summary>
    public const string MaySeeDetailsKey = "Exchange.Operator.MaySeeDetails";

    /// <summary>The Basic realm operators are asked for.</summary>
    public const string Realm = "Exchange operator";

    private readonly HashSet<string> _accepted;
    private readonly string _acceptedText;
    private readonly Dictionary<string, string> _hashes;
    private readonly bool _requireCredentials;
    private readonly PasswordCheck _passwords;
    private readonly FailedAuthenticationThrottle _throttle;
    private readonly ILogger _logger;

    /// <summary>Creates the guard for <paramref name="options"/>.</summary>
    public OperatorAccess(OperatorOptions options, IPasswordHasher hasher, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var accepted = OperatorBinding.AcceptedHosts(options);
        _accepted = new HashSet<string>(accepted, StringComparer.Ordinal);
        _acceptedText = string.Join(", ", accepted);
        _hashes = options.Principals.ToDictionary(p => p.Name, p => p.PasswordHash, StringComparer.Ordinal);

        // Outside loopback without principals the configuration is refused at start; should it get here anyway, nobody gets in.
        _requireCredentials = _hashes.Count > 0 || OperatorBinding.BindsOutsideLoopback(options);

        // Browsers send the credentials with every reload and Prometheus with every scrape: the cache spares a PBKDF2 each time.
        _passwords = new PasswordCheck(hasher, new VerifiedCredentialCache(timeProvider), _hashes.Values);
        _throttle = new FailedAuthenticationThrottle(timeProvider, Math.Max(1, options.FailedLoginsPerMinute));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Whether the status page and /metrics ask for credentials.</summary>
    public bool RequiresCredentials => _requireCredentials;

    /// <summary>The middleware.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var sent = context.Request.Host.Value;
        var host = OperatorBinding.Normalize(sent);
        if (host is null || !_accepted.Contains(host))
        {
            LogWrongHost(_logger, sent ?? "", Remote(context));
            await PlainAsync(context, StatusCodes.Status400BadRequest,
                host is null
                    ? $"The request has no Host header. This operator endpoint answers to: {_acceptedText}. Other names can be added in Exchange:Operator:AllowedHosts.\n"
                    : $"Host '{sent}' is not a name of this operator endpoint. Accepted: {_acceptedText} (any port). Other names can be added in Exchange:Operator:AllowedHosts.\n").ConfigureAwait(false);
            return;
        }

        var path = context.Request.Path;
        var open = path.Equals("/healthz", StringComparison.Ordinal) || path.Equals("/readyz", StringComparison.Ordinal);
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!_requireCredentials || (open && authorization.Length == 0))
        {
            context.Items[MaySeeDetailsKey] = !_requireCredentials;
            await next(context).ConfigureAwait(false);
            return;
        }

        var remote = Remote(context);
        var wait = _throttle.SecondsToWait(remote);
        if (wait > 0)
        {
            context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await PlainAsync(context, StatusCodes.Status429TooManyRequests, $"Too many failed operator logins from {remote}; try again in {wait} s.\n").ConfigureAwait(false);
            return;
        }

        if (authorization.Length == 0)
        {
            await ChallengeAsync(context, "This page needs an operator's user name and password (Exchange:Operator:Principals).\n").ConfigureAwait(false);
            return;
        }

        string? name;
        try
        {
            name = await VerifyAsync(authorization, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ExchangeFaultException busy) when (busy.Code == ExchangeFaultCode.Unavailable)
        {
            context.Response.Headers.RetryAfter = (busy.RetryAfterSeconds ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await PlainAsync(context, StatusCodes.Status503ServiceUnavailable, busy.Message + "\n").ConfigureAwait(false);
            return;
        }

        if (name is null)
        {
            await _throttle.FailedAsync(remote, CancellationToken.None).ConfigureAwait(false);
            LogLoginFailed(_logger, remote, path.Value ?? "");
            await ChallengeAsync(context, "The operator user name or password is wrong.\n").ConfigureAwait(false);
            return;
        }

        context.Items[MaySeeDetailsKey] = true;
        await next(context).ConfigureAwait(false);
    }

    private async ValueTask<string?> VerifyAsync(string authorization, CancellationToken cancellationToken)
    {
        if (!AuthenticationHeaderValue.TryParse(authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var name = decoded[..colon];
        var password = decoded[(colon + 1)..];
        return await _passwords.VerifyAsync(name, _hashes.GetValueOrDefault(name), password, cancellationToken).ConfigureAwait(false) ? name : null;
    }

    private static Task ChallengeAsync(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
        return PlainAsync(context, StatusCodes.Status401Unauthorized, message);
    }

    private static Task PlainAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Response.WriteAsync(message, context.RequestAborted);
    }

    private static string Remote(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    [LoggerMessage(3110, LogLevel.Warning, "Operator endpoint refused Host '{Host}' from {Remote}: not one of its names (Exchange:Operator:AllowedHosts)")]
    private static partial void LogWrongHost(ILogger logger, string host, string remote);

    [LoggerMessage(3111, LogLevel.Warning, "Operator login failed from {Remote} for {Path}")]
    private static partial void LogLoginFailed(ILogger logger, string remote, string path);
}

/// <summary>Puts <see cref="OperatorAccess"/> in front of the operator routes.</summary>
public static class OperatorAccessExtensions
{
    /// <summary>Adds the Host check and operator login, from the app's <see cref="IOptions{ExchangeOptions}"/>, <see cref="TimeProvider"/> and <see cref="IPasswordHasher"/> (PBKDF2 when none is registered).</summary>
    public static IApplicationBuilder UseOperatorAccess(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        var access = new OperatorAccess(
            services.GetRequiredService<IOptions<ServiceOptions>>().Value.Operator,
            services.GetService<IPasswordHasher>() ?? new Pbkdf2PasswordHasher(),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>()?.CreateLogger<OperatorAccess>());
        return app.Use(access.InvokeAsync);
    }
}
