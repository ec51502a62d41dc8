using System.Globalization;
using Exchange.Core.Security;

namespace Exchange.Core.Demo;

/// <summary>A synthetic insured person (<c>AC01</c>).</summary>
public sealed record DemoPerson(long Aac001, string Aac002, string Aac003, string Aac004, string Aac006, string Aab001);

/// <summary>A synthetic contribution (<c>AC43</c>).</summary>
public sealed record DemoContribution(long Aaz223, long Aac001, string Aae002, string Aae140, decimal Aae180, decimal Aae022);

/// <summary>A synthetic medical settlement (<c>KC24</c>).</summary>
public sealed record DemoSettlement(string Akc190, long Aac001, string Akb020, string Akc194, decimal Akc264, decimal Ake039, decimal Akc255);

/// <summary>
/// Generates realistic synthetic 金保-style rows from a seeded <see cref="Random"/>: identity numbers with real
/// region prefixes and valid check digits, names, contributions and settlements. Deterministic for a given seed.
/// </summary>
public sealed class DemoDataGenerator(int seed)
{
    /// <summary>Real county-level region codes (GB/T 2260) used as identity-number prefixes.</summary>
    internal static readonly string[] Regions =
    [
        "110105", "110108", "310104", "310115", "440106", "440305", "330106", "320102",
        "510107", "420106", "610113", "370202", "500103", "120101", "350203", "430104",
    ];

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];
    private static readonly string[] GivenMale = ["伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "建国", "志强", "海涛", "俊杰", "文博"];
    private static readonly string[] GivenFemale = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂英", "丽华", "雪梅", "欣怡", "婷婷", "晓燕"];

    /// <summary>Insurance types (险种, <c>AAE140</c>) with the share of the wage base paid.</summary>
    private static readonly (string Code, decimal Rate)[] InsuranceTypes =
    [
        ("110", 0.24m), // 企业职工基本养老保险
        ("210", 0.01m), // 失业保险
        ("310", 0.08m), // 城镇职工基本医疗保险
        ("410", 0.004m), // 工伤保险
    ];

    private readonly Random _random = new(seed);

    /// <summary>A person with the given person number.</summary>
    public DemoPerson NextPerson(long personNumber)
    {
        var region = Regions[_random.Next(Regions.Length)];
        var birth = new DateOnly(1955, 1, 1).AddDays(_random.Next(0, 365 * 50));
        var male = _random.Next(2) == 0;
        var sequence = (_random.Next(0, 100) * 10) + (_random.Next(0, 5) * 2) + (male ? 1 : 0);
        var body = string.Create(CultureInfo.InvariantCulture, $"{region}{birth:yyyyMMdd}{sequence:D3}");
        var id = body + IdentityNumber.ComputeCheckCharacter(body);
        var given = male ? GivenMale[_random.Next(GivenMale.Length)] : GivenFemale[_random.Next(GivenFemale.Length)];
        var name = Surnames[_random.Next(Surnames.Length)] + given;
        var employer = string.Create(CultureInfo.InvariantCulture, $"{region[..4]}{_random.Next(1, 100000):D6}");
        return new DemoPerson(personNumber, id, name, male ? "1" : "2", birth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), employer);
    }

    /// <summary>A contribution of a person for a period (<c>YYYYMM</c>).</summary>
    public DemoContribution NextContribution(long key, long personNumber, DateOnly period)
    {
        var (code, rate) = InsuranceTypes[_random.Next(InsuranceTypes.Length)];
        var baseAmount = _random.Next(4000, 30001) + (_random.Next(0, 100) / 100m);
        var paid = Math.Round(baseAmount * rate, 2, MidpointRounding.AwayFromZero);
        return new DemoContribution(key, personNumber, period.ToString("yyyyMM", CultureInfo.InvariantCulture), code, baseAmount, paid);
    }

    /// <summary>A settlement of a person on a date.</summary>
    public DemoSettlement NextSettlement(long visitNumber, long personNumber, DateOnly date)
    {
        var region = Regions[_random.Next(Regions.Length)];
        var institution = string.Create(CultureInfo.InvariantCulture, $"H{region}{_random.Next(1, 100000):D5}");
        var total = _random.Next(50, 20001) + (_random.Next(0, 100) / 100m);
        var fund = Math.Round(total * (0.5m + (_random.Next(0, 40) / 100m)), 2, MidpointRounding.AwayFromZero);
        var visit = string.Create(CultureInfo.InvariantCulture, $"{visitNumber:D12}");
        return new DemoSettlement(visit, personNumber, institution, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), total, fund, total - fund);
    }

    /// <summary>A uniformly chosen number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long Pick(long min, long max) => _random.NextInt64(min, max + 1);

    /// <summary>True with the given probability.</summary>
    public bool Chance(double probability) => _random.NextDouble() < probability;
}
