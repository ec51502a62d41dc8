using System.Text;
using NLog;
using NLog.LayoutRenderers;
using NLog.LayoutRenderers.Wrappers;

namespace Exchange.Host.Configuration;

/// <summary>
/// <c>${exchange-safe:inner=...}</c>: the inner text through <see cref="LogText.Clean"/> (identity numbers masked, line
/// breaks and control characters escaped, capped at about 1 KB). Every target in config/nlog.config wraps its message and
/// exception texts in it.
/// </summary>
[LayoutRenderer(Name)]
internal sealed class SafeTextLayoutRenderer : WrapperLayoutRendererBase
{
    public const string Name = "exchange-safe";

    /// <summary>Most characters kept (default <see cref="LogText.MaxLength"/>).</summary>
    public int MaxLength { get; set; } = LogText.MaxLength;

    protected override string Transform(string text) => LogText.Clean(text, MaxLength);
}

/// <summary>
/// <c>${exchange-stack}</c>: the stack traces of the logged exception and its inner exceptions, one frame a line, with
/// the exception types but without their messages (those are request-controlled text, written escaped on the log line
/// itself through <c>${exchange-safe}</c>). Each line is masked and escaped too.
/// </summary>
[LayoutRenderer(Name)]
internal sealed class SafeStackTraceLayoutRenderer : LayoutRenderer
{
    public const string Name = "exchange-stack";

    protected override void Append(StringBuilder builder, LogEventInfo logEvent)
    {
        if (logEvent.Exception is not { } exception)
        {
            return;
        }

        var first = true;
        Append(builder, exception, 0, ref first);
    }

    private static void Append(StringBuilder builder, Exception exception, int depth, ref bool first)
    {
        if (depth > 10)
        {
            return;
        }

        if (!first)
        {
            builder.Append(Environment.NewLine);
        }

        first = false;
        builder.Append(depth == 0 ? "" : " ---> ").Append(exception.GetType().FullName);
        foreach (var frame in (exception.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            builder.Append(Environment.NewLine).Append("   ").Append(LogText.Clean(frame));
        }

        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)(exception.InnerException is { } one ? [one] : []);
        foreach (var next in inner)
        {
            Append(builder, next, depth + 1, ref first);
        }
    }
}
