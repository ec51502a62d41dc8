namespace Exchange.Core.Demo;

/// <summary>The demo source's tables, named the way 金保 (Golden Insurance) systems name them.</summary>
internal static class DemoSchema
{
    /// <summary>
    /// <c>AC01</c> persons, <c>AC43</c> contributions, <c>KC24</c> medical settlements; each with an update timestamp
    /// <c>AAE036</c> stored as fixed-width ISO 8601 text in the source's offset, indexed with the key for keyset reads.
    /// </summary>
    public const string Create = """
        CREATE TABLE AC01 (
            AAC001 INTEGER PRIMARY KEY,      -- 个人编号 person number
            AAC002 TEXT NOT NULL,            -- 公民身份号码 identity number
            AAC003 TEXT NOT NULL,            -- 姓名 name
            AAC004 TEXT NOT NULL,            -- 性别 gender: 1 male, 2 female
            AAC006 TEXT NOT NULL,            -- 出生日期 birth date
            AAB001 TEXT NOT NULL,            -- 单位编号 employer number
            AAE036 TEXT NOT NULL             -- 经办时间 update timestamp
        );
        CREATE INDEX IX_AC01_AAE036 ON AC01 (AAE036, AAC001);
        CREATE TABLE AC43 (
            AAZ223 INTEGER PRIMARY KEY,      -- 缴费明细流水号 contribution serial number
            AAC001 INTEGER NOT NULL,         -- 个人编号
            AAE002 TEXT NOT NULL,            -- 费款所属期 period YYYYMM
            AAE140 TEXT NOT NULL,            -- 险种类型 insurance type (310 employee basic medical)
            AAE180 NUMERIC(14,2) NOT NULL,   -- 缴费基数 contribution base
            AAE022 NUMERIC(14,2) NOT NULL,   -- 个人缴费金额 amount paid
            AAE036 TEXT NOT NULL
        );
        CREATE INDEX IX_AC43_AAE036 ON AC43 (AAE036, AAZ223);
        CREATE TABLE KC24 (
            AKC190 TEXT PRIMARY KEY,         -- 就诊流水号 visit number
            AAC001 INTEGER NOT NULL,         -- 个人编号
            AKB020 TEXT NOT NULL,            -- 医疗机构编码 medical institution code
            AKC194 TEXT NOT NULL,            -- 结算日期 settlement date
            AKC264 NUMERIC(14,2) NOT NULL,   -- 医疗费总额 total cost
            AKE039 NUMERIC(14,2) NOT NULL,   -- 统筹基金支付 fund payment
            AKC255 NUMERIC(14,2) NOT NULL,   -- 个人账户支付 personal account payment
            AAE036 TEXT NOT NULL
        );
        CREATE INDEX IX_KC24_AAE036 ON KC24 (AAE036, AKC190);
        """;
}
