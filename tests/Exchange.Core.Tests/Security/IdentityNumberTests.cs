using Exchange.Core.Security;

namespace Exchange.Core.Tests.Security;

public sealed class IdentityNumberTests
{
    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("440524188001010014")]
    [InlineData("11010119900307299X")]
    [InlineData("110101199003074477")]
    public void IsValid_AcceptsNumbersWithTheRightCheckCharacter(string value) => Assert.True(IdentityNumber.IsValid(value));

    [Theory]
    [InlineData("110105194912310021")] // wrong check character
    [InlineData("11010519491231002")] // 17 characters
    [InlineData("1101051949123100X2")] // X in the body
    [InlineData("110105194913310029")] // month 13
    [InlineData("")]
    [InlineData(null)]
    public void IsValid_RejectsMalformedNumbers(string? value) => Assert.False(IdentityNumber.IsValid(value));

    [Fact]
    public void IsValid_AcceptsLowerCaseX() => Assert.True(IdentityNumber.IsValid("11010519491231002x"));

    [Fact]
    public void ComputeCheckCharacter_ReturnsXForRemainderTwo() =>
        Assert.Equal('X', IdentityNumber.ComputeCheckCharacter("11010519491231002"));

    [Fact]
    public void ComputeCheckCharacter_RejectsANonDigit_NamingThePosition()
    {
        var error = Assert.Throws<ArgumentException>(() => IdentityNumber.ComputeCheckCharacter("1101051949123100A"));
        Assert.Contains("position 17", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGetBirthDate_ReadsPositionsSevenToFourteen()
    {
        Assert.True(IdentityNumber.TryGetBirthDate("11010519491231002X", out var birth));
        Assert.Equal(new DateOnly(1949, 12, 31), birth);
    }

    [Fact]
    public void IsMale_FollowsTheParityOfTheSeventeenthDigit()
    {
        Assert.True(IdentityNumber.IsMale("440524188001010014"));
        Assert.False(IdentityNumber.IsMale("11010519491231002X"));
    }

    [Fact]
    public void Mask_KeepsTheFirstSixAndLastFourCharacters() =>
        Assert.Equal("110105********002X", IdentityNumber.Mask("11010519491231002X"));

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("1234567890", "**********")]
    public void Mask_HidesShortValuesEntirely(string? value, string expected) => Assert.Equal(expected, IdentityNumber.Mask(value));
}
