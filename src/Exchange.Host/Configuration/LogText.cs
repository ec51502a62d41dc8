using System.Globalization;
using System.Text;
using Exchange.Core.Security;

namespace Exchange.Host.Configuration;

/// <summary>
/// What any text must go through before it is written to a log line: identity numbers masked
/// (<see cref="IdentityNumber.MaskWithin"/>), characters that could start a new line or reorder the line escaped, and the
/// length capped, so a request (a user name, an XML error text, a provider's error) can neither forge a log line nor
/// flood one.
/// </summary>
internal static class LogText
{
    /// <summary>Most characters of text one log line carries (about 1 KB); the rest is cut and counted.</summary>
    public const int MaxLength = 1024;

    /// <summary>Masked, escaped and capped at <paramref name="maxLength"/> characters.</summary>
    public static string Clean(string text, int maxLength = MaxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var masked = IdentityNumber.MaskWithin(text);
        var escaped = NeedsEscape(masked) ? Escape(masked) : masked;
        return escaped.Length <= maxLength ? escaped : Cut(escaped, maxLength);
    }

    /// <summary>
    /// True for characters that end a line in some reader (CR, LF, NEL U+0085, VT, FF, U+2028, U+2029), any other
    /// control character, and the bidirectional overrides that make a line read differently from what it holds.
    /// </summary>
    public static bool MustEscape(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static bool NeedsEscape(string text)
    {
        foreach (var c in text)
        {
            if (MustEscape(c))
            {
                return true;
            }
        }

        return false;
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\r' => escaped.Append("\\r"),
                '\n' => escaped.Append("\\n"),
                '\t' => escaped.Append("\\t"),
                _ when MustEscape(c) => escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }

    private static string Cut(string text, int maxLength)
    {
        var keep = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
        return string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, keep)}… [{text.Length - keep} more characters cut]");
    }
}
