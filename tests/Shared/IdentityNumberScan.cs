using System.Text;
using Exchange.Core.Security;

namespace Exchange.Testing;

/// <summary>
/// Finds valid identity numbers in text the way tests/security/scan-identity-numbers.sh does: full-width digits and
/// <c>Ｘ</c>/<c>ｘ</c> read as ASCII, then every 18-character window checked with <see cref="IdentityNumber.IsValid"/>.
/// </summary>
public static class IdentityNumberScan
{
    public static List<string> ValidNumbersIn(string text)
    {
        var ascii = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            ascii.Append(c switch
            {
                >= '\uFF10' and <= '\uFF19' => (char)('0' + (c - '\uFF10')),
                '\uFF38' => 'X',
                '\uFF58' => 'x',
                _ => c,
            });
        }

        var found = new List<string>();
        var s = ascii.ToString();
        for (var i = 0; i + IdentityNumber.Length <= s.Length; i++)
        {
            var window = s.Substring(i, IdentityNumber.Length);
            if (IdentityNumber.IsValid(window))
            {
                found.Add(window);
            }
        }

        return found;
    }

    /// <summary>A valid number with a random region, birth date (1930–2012) and sequence.</summary>
    public static string Generate(Random random)
    {
        var birth = new DateOnly(1930, 1, 1).AddDays(random.Next(30_000));
        var body = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{random.Next(110000, 660000)}{birth:yyyyMMdd}{random.Next(1000):000}");
        return body + IdentityNumber.ComputeCheckCharacter(body);
    }
}
