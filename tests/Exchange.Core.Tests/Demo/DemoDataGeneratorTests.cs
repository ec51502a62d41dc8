using System.Globalization;
using Exchange.Core.Demo;
using Exchange.Core.Security;

namespace Exchange.Core.Tests.Demo;

public sealed class DemoDataGeneratorTests
{
    [Fact]
    public void NextPerson_GivesValidIdentityNumbersConsistentWithBirthDateAndGender()
    {
        var generator = new DemoDataGenerator(seed: 1);
        for (var i = 1; i <= 500; i++)
        {
            var person = generator.NextPerson(i);
            Assert.True(IdentityNumber.IsValid(person.Aac002), person.Aac002);
            Assert.Contains(person.Aac002[..6], DemoDataGenerator.Regions);
            Assert.True(IdentityNumber.TryGetBirthDate(person.Aac002, out var birth));
            Assert.Equal(birth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), person.Aac006);
            Assert.Equal(IdentityNumber.IsMale(person.Aac002) ? "1" : "2", person.Aac004);
            Assert.InRange(person.Aac003.Length, 2, 3);
        }
    }

    [Fact]
    public void NextPerson_IsDeterministicForASeed() =>
        Assert.Equal(new DemoDataGenerator(7).NextPerson(1), new DemoDataGenerator(7).NextPerson(1));

    [Fact]
    public void NextContribution_HasTwoDecimalAmountsAndAPeriod()
    {
        var contribution = new DemoDataGenerator(3).NextContribution(1, 1, new DateOnly(2026, 10, 1));
        Assert.Equal("202610", contribution.Aae002);
        Assert.Equal(contribution.Aae022, Math.Round(contribution.Aae022, 2));
        Assert.True(contribution.Aae022 > 0 && contribution.Aae022 < contribution.Aae180);
    }

    [Fact]
    public void NextSettlement_SplitsTheTotalIntoFundAndPersonalPayment()
    {
        var settlement = new DemoDataGenerator(3).NextSettlement(12, 1, new DateOnly(2026, 11, 1));
        Assert.Equal("000000000012", settlement.Akc190);
        Assert.Equal(settlement.Akc264, settlement.Ake039 + settlement.Akc255);
    }
}
