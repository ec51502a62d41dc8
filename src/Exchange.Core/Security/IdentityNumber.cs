using System.Globalization;
using System.Text;

namespace Exchange.Core.Security;

/// <summary>
/// The 18-character resident identity number (公民身份号码, GB 11643-1999): a 6-digit region code, the birth date
/// <c>yyyyMMdd</c>, a 3-digit sequence whose last digit is odd for men and even for women, and a check character.
/// </summary>
public static class IdentityNumber
{
    /// <summary>Length of an identity number.</summary>
    public const int Length = 18;

    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    /// <summary>The check character (ISO 7064 MOD 11-2) for the first 17 digits.</summary>
    /// <exception cref="ArgumentException">The input is not exactly 17 decimal digits.</exception>
    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        if (first17.Length != Length - 1)
        {
            throw new ArgumentException($"An identity number body has 17 digits, was {first17.Length} characters.", nameof(first17));
        }

        var sum = 0;
        for (var i = 0; i < first17.Length; i++)
        {
            var c = first17[i];
            if (c is < '0' or > '9')
            {
                throw new ArgumentException($"An identity number body has only digits, found '{c}' at position {i + 1}.", nameof(first17));
            }

            sum += (c - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    /// <summary>
    /// True when the value is 17 digits, a real birth date, and the right check character (<c>X</c> or <c>x</c>).
    /// </summary>
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != Length)
        {
            return false;
        }

        var body = value.AsSpan(0, Length - 1);
        foreach (var c in body)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        if (body[0] == '0' || !TryGetBirthDate(value, out _))
        {
            return false;
        }

        return char.ToUpperInvariant(value[Length - 1]) == ComputeCheckCharacter(body);
    }

    /// <summary>The birth date encoded in positions 7–14, when it is a real date.</summary>
    public static bool TryGetBirthDate(string value, out DateOnly birthDate)
    {
        birthDate = default;
        return value is { Length: Length }
            && DateOnly.TryParseExact(value.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out birthDate);
    }

    /// <summary>True when the 17th digit is odd (male), false when it is even (female).</summary>
    /// <exception cref="ArgumentException">The value is not 18 characters with a digit in position 17.</exception>
    public static bool IsMale(string value)
    {
        if (value is not { Length: Length } || value[16] is < '0' or > '9')
        {
            throw new ArgumentException("Not an 18-character identity number.", nameof(value));
        }

        return (value[16] - '0') % 2 == 1;
    }

    /// <summary>
    /// The value for logs: the first 6 (region) and last 4 characters kept, the rest replaced by <c>*</c>.
    /// Values too short to keep anything private are masked entirely.
    /// </summary>
    public static string Mask(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value.Length <= 10)
        {
            return new string('*', value.Length);
        }

        return string.Concat(value.AsSpan(0, 6), new string('*', value.Length - 10), value.AsSpan(value.Length - 4));
    }

    /// <summary>Shortest run of digits that <see cref="MaskWithin"/> masks: the length of a legacy (pre-1999) number.</summary>
    public const int ShortestMaskedRun = 15;

    /// <summary>
    /// <paramref name="text"/> with every identity number in it masked: the one masker for logs, faults, the status page
    /// and <c>exchange status</c>. It prefers masking too much to leaking, so it does not check dates or check digits:
    /// <list type="bullet">
    /// <item>A run is a maximal sequence of decimal digits of any width (<c>0-9</c>, full-width <c>０-９</c>, any other
    /// Unicode decimal digit), plus one <c>X</c>, <c>x</c>, <c>Ｘ</c> or <c>ｘ</c> right after it (the check character).</item>
    /// <item>Every run of <see cref="ShortestMaskedRun"/> (15, a legacy number) or more characters is masked like
    /// <see cref="Mask"/>: its first 6 and last 4 characters kept, all between replaced by <c>*</c>. So 15-, 17- and
    /// 18-character numbers are masked, and a longer run (a number glued to other digits) is masked as a whole, never
    /// searched for the "right" 18 characters.</item>
    /// <item>Letters around a run do not protect it: <c>abc110101199003074514def</c> is masked.</item>
    /// <item>Shorter runs (dates, sequence numbers, ports) are left as they are.</item>
    /// </list>
    /// </summary>
    public static string MaskWithin(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? masked = null;
        var copied = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsDigit(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && char.IsDigit(text[i]))
            {
                i++;
            }

            if (i < text.Length && text[i] is 'X' or 'x' or '\uFF38' or '\uFF58')
            {
                i++;
            }

            var length = i - start;
            if (length < ShortestMaskedRun)
            {
                continue;
            }

            masked ??= new StringBuilder(text.Length);
            masked.Append(text, copied, start + 6 - copied).Append('*', length - 10).Append(text, i - 4, 4);
            copied = i;
        }

        return masked is null ? text : masked.Append(text, copied, text.Length - copied).ToString();
    }
}
