using System.Text;
using Exchange.Core.Security;

namespace Exchange.Core.Tests.Security;

/// <summary><see cref="IdentityNumber.MaskWithin"/>: every form of an identity number is masked, short numbers are not.</summary>
public sealed class IdentityNumberMaskingTests
{
    public static TheoryData<string, string> Forms => new()
    {
        { "plain", "id 110101199003074514 end" },
        { "check X", "id 11010519491231002X end" },
        { "check x", "id 11010519491231002x end" },
        { "legacy 15 digits", "id 110105491231002 end" },
        { "full-width digits", "id １１０１０１１９９００３０７４５１４ end" },
        { "full-width X", "id １１０１０５１９４９１２３１００２Ｘ end" },
        { "full-width x", "id １１０１０５１９４９１２３１００２ｘ end" },
        { "mixed widths", "id 110101１９９００３０７4514 end" },
        { "between letters", "abc110101199003074514def" },
        { "X then letters", "abc11010519491231002Xdef" },
        { "inside a longer digit run", "run 99110101199003074514123 end" },
        { "two glued numbers", "11010119900307451411010519491231002X" },
        { "17 digits", "id 11010519491231002 end" },
        { "in XML", "<x:Username>11010519491231002X</x:Username>" },
        { "after a digit-free prefix and in JSON", "{\"AAC002\":\"11010519491231002X\"}" },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void MaskWithin_MasksEveryForm(string form, string text)
    {
        var masked = IdentityNumber.MaskWithin(text);

        Assert.True(IdentityNumberScan.ValidNumbersIn(masked).Count == 0, $"{form}: '{masked}' still holds a valid identity number");
        Assert.Contains("*****", masked, StringComparison.Ordinal);
        Assert.Equal(text.Length, masked.Length);
    }

    [Fact]
    public void MaskWithin_KeepsTheRegionAndTheLastFour() =>
        Assert.Equal("user 110105********002X and 110105*****1002.", IdentityNumber.MaskWithin("user 11010519491231002X and 110105491231002."));

    [Theory]
    [InlineData("seq 12345678901234 at 2026-12-06 04:48:41.1234")] // 14 digits
    [InlineData("batch 42, port 8443, 20261206044841")]
    [InlineData("no digits at all: 公民身份号码")]
    [InlineData("")]
    public void MaskWithin_LeavesShorterNumbersAlone(string text) => Assert.Equal(text, IdentityNumber.MaskWithin(text));

    [Fact]
    public void MaskWithin_RandomTextAroundGeneratedNumbers_NeverKeepsAValidOne()
    {
        // A fixed seed: the same 2,000 cases every run, so a failure can be reproduced.
        var random = new Random(15);
        const string filler = "ab Xx-:;/<>\"'０１９ｘＸ 公民12";
        for (var n = 0; n < 2_000; n++)
        {
            var number = IdentityNumberScan.Generate(random);
            var text = new StringBuilder();
            text.Append(Filler(random, filler));
            text.Append(random.Next(3) switch { 0 => number, 1 => number.ToLowerInvariant(), _ => FullWidth(number) });
            text.Append(Filler(random, filler));
            var masked = IdentityNumber.MaskWithin(text.ToString());
            Assert.True(IdentityNumberScan.ValidNumbersIn(masked).Count == 0, $"'{text}' masked as '{masked}' still holds a valid identity number");
        }
    }

    private static string FullWidth(string number) =>
        string.Concat(number.Select(c => c == 'X' ? '\uFF38' : (char)('\uFF10' + (c - '0'))));

    private static string Filler(Random random, string alphabet) =>
        string.Concat(Enumerable.Range(0, random.Next(6)).Select(_ => alphabet[random.Next(alphabet.Length)]));
}
