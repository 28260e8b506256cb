//! 示例参数: the parameter values shipped for demonstration. Every one is marked `example` and
//! says so in its source; none is a real local standard. An administrator replaces them.

use super::params::{ParamKey, ParamRow};
use crate::domain::declaration::Residence;
use crate::domain::region::RegionCode;
use chrono::NaiveDate;

/// The date the example values take effect.
pub fn examples_effective_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date")
}

/// (region, residence, key, value, source, the source in English) of each example value. The
/// stored source is the Chinese one; an English page shows the English beside the example mark
/// ([`source_in_english`]).
type Example = (
    &'static str,
    Option<Residence>,
    ParamKey,
    i64,
    &'static str,
    &'static str,
);

const EXAMPLES: &[Example] = &[
    // Province-wide values (Gansu 62, Liaoning 21): inherited by every city and county below.
    (
        "62",
        Some(Residence::Urban),
        ParamKey::DibaoStandard,
        75_000,
        "示例：省级城市低保标准（元/人·月）",
        "Example: provincial urban Dibao standard (yuan per person per month)",
    ),
    (
        "62",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        55_000,
        "示例：省级农村低保标准（元/人·月）",
        "Example: provincial rural Dibao standard (yuan per person per month)",
    ),
    (
        "62",
        None,
        ParamKey::TekunStandardRatio,
        1_300,
        "示例：特困基本生活标准不低于低保标准1.3倍",
        "Example: the Tekun basic living standard is at least 1.3 times the Dibao standard",
    ),
    (
        "62",
        None,
        ParamKey::MarginalMultiplier,
        1_500,
        "国办发〔2023〕39号：低保标准1.5倍（示例）",
        "State Council General Office 2023 No. 39: 1.5 times the Dibao standard (example)",
    ),
    (
        "62",
        None,
        ParamKey::EmploymentCostDeduction,
        20_000,
        "示例：就业成本扣减（元/就业成员·月），张政办发〔2023〕128号(八)",
        "Example: employment-cost deduction (yuan per working member per month), Zhangye measures 2023 No. 128, item 8",
    ),
    (
        "62",
        None,
        ParamKey::DibaoDepositMonths,
        24,
        "示例：低保家庭人均存款不超过24个月低保标准",
        "Example: a Dibao household's savings per person at most 24 months of the Dibao standard",
    ),
    (
        "62",
        None,
        ParamKey::MarginalDepositMonths,
        36,
        "示例：低保边缘家庭人均存款不超过36个月低保标准",
        "Example: a marginal household's savings per person at most 36 months of the Dibao standard",
    ),
    (
        "62",
        None,
        ParamKey::MaxHousing,
        1,
        "示例：家庭住房不超过1套",
        "Example: the household owns at most one home",
    ),
    (
        "62",
        None,
        ParamKey::MaxVehicles,
        0,
        "示例：无机动车辆（残疾人功能性补偿代步车除外）",
        "Example: no motor vehicle (except a mobility vehicle for a disabled person)",
    ),
    (
        "62",
        None,
        ParamKey::BusinessExcludes,
        1,
        "示例：登记经营主体的家庭不予认定",
        "Example: a household with a registered business is not recognised",
    ),
    (
        "62",
        Some(Residence::Urban),
        ParamKey::DisposableIncomeLastYear,
        4_000_000,
        "示例：上年度城镇居民人均可支配收入（元/年）",
        "Example: last year's urban per-capita disposable income (yuan per year)",
    ),
    (
        "62",
        Some(Residence::Rural),
        ParamKey::DisposableIncomeLastYear,
        1_400_000,
        "示例：上年度农村居民人均可支配收入（元/年）",
        "Example: last year's rural per-capita disposable income (yuan per year)",
    ),
    (
        "62",
        None,
        ParamKey::RigidSpendingShare,
        500,
        "示例：刚性支出超过家庭年收入的50%",
        "Example: essential spending above 50% of the household's yearly income",
    ),
    (
        "62",
        None,
        ParamKey::TaperMonths,
        6,
        "张政办发〔2023〕128号(八)：渐退期不超过6个月（示例取6）",
        "Zhangye measures 2023 No. 128, item 8: a taper period of at most 6 months (the example takes 6)",
    ),
    (
        "62",
        None,
        ParamKey::ElderlyAge,
        60,
        "民发〔2021〕43号第六条：60周岁以上",
        "Ministry of Civil Affairs 2021 No. 43, article 6: aged 60 or over",
    ),
    (
        "62",
        None,
        ParamKey::MinorAge,
        16,
        "民发〔2021〕43号第六条：未满16周岁",
        "Ministry of Civil Affairs 2021 No. 43, article 6: under 16",
    ),
    (
        "62",
        None,
        ParamKey::StudentAge,
        18,
        "示例：16至18周岁在校学生",
        "Example: students aged 16 to 18 in school",
    ),
    (
        "62",
        None,
        ParamKey::SevereDisabilityGrade,
        2,
        "民发〔2021〕43号第六条：一、二级残疾",
        "Ministry of Civil Affairs 2021 No. 43, article 6: disability of grade 1 or 2",
    ),
    (
        "62",
        None,
        ParamKey::IntellectualMentalGrade,
        3,
        "民发〔2021〕43号第六条：三级智力、精神残疾",
        "Ministry of Civil Affairs 2021 No. 43, article 6: intellectual or mental disability of grade 3",
    ),
    (
        "62",
        None,
        ParamKey::PremiumIndividual,
        40_000,
        "示例：城乡居民医保个人缴费（元/人·年）",
        "Example: a resident's own medical insurance contribution (yuan per person per year)",
    ),
    (
        "62",
        None,
        ParamKey::PremiumTekunShare,
        1_000,
        "示例：特困人员个人缴费全额资助（张政办发〔2023〕128号(八) 医疗救助：按规定标准落实分类资助）",
        "Example: Tekun persons' premium paid in full (Zhangye measures 2023 No. 128, item 8, medical assistance: subsidies by category at the set standards)",
    ),
    (
        "62",
        None,
        ParamKey::PremiumDibaoFixed,
        30_000,
        "示例：低保对象定额资助（元/人·年）",
        "Example: a fixed subsidy for Dibao recipients (yuan per person per year)",
    ),
    (
        "62",
        None,
        ParamKey::PremiumMarginalShare,
        600,
        "示例：低保边缘家庭成员按个人缴费60%资助（张政办发〔2023〕128号(八) 医疗救助：按规定标准落实分类资助）",
        "Example: marginal household members' premium subsidised at 60% (Zhangye measures 2023 No. 128, item 8, medical assistance: subsidies by category at the set standards)",
    ),
    (
        "62",
        None,
        ParamKey::PublicNoticeDays,
        7,
        "示例：审核结果公示7天（张政办发〔2023〕128号(十二)：乡镇负责公开公示）",
        "Example: results published for 7 days (Zhangye measures 2023 No. 128, item 12: the township publishes them)",
    ),
    (
        "62",
        None,
        ParamKey::DecisionWorkingDays,
        30,
        "示例：自受理之日起30个工作日内完成审核确认（《最低生活保障审核确认办法》民发〔2021〕57号，以本地规定为准）",
        "Example: a decision within 30 working days of acceptance (Dibao review and confirmation measures, Ministry of Civil Affairs 2021 No. 57; local rules prevail)",
    ),
    (
        "21",
        None,
        ParamKey::DecisionWorkingDays,
        30,
        "示例：自受理之日起30个工作日内完成审核确认（《最低生活保障审核确认办法》民发〔2021〕57号，以本地规定为准）",
        "Example: a decision within 30 working days of acceptance (Dibao review and confirmation measures, Ministry of Civil Affairs 2021 No. 57; local rules prevail)",
    ),
    (
        "62",
        None,
        ParamKey::ReferralResponseDays,
        10,
        "示例：部门收到需求推送后10天内反馈（张政办发〔2023〕128号(六)）",
        "Example: a department answers a referral within 10 days (Zhangye measures 2023 No. 128, item 6)",
    ),
    (
        "62",
        None,
        ParamKey::ReviewIntervalMonths,
        12,
        "张政办发〔2023〕128号(三)：低保边缘、刚性支出困难家庭自认定之日起年度复核",
        "Zhangye measures 2023 No. 128, item 3: marginal and essential-spending households reviewed yearly from recognition",
    ),
    (
        "62",
        None,
        ParamKey::ReviewLeadDays,
        30,
        "示例：复核到期前30天生成复核任务",
        "Example: a review task is made 30 days before the review is due",
    ),
    (
        "62",
        None,
        ParamKey::AdvanceAidMax,
        100_000,
        "示例：小金额先行救助上限（元），张政办发〔2023〕128号(九)“先行救助”",
        "Example: the most that small advance aid may be (yuan), Zhangye measures 2023 No. 128, item 9 (advance aid)",
    ),
    (
        "62",
        None,
        ParamKey::AdvanceDocumentsDays,
        30,
        "示例：先行救助后30天内补齐材料（张政办发〔2023〕128号(九)“先行救助”；期限以本地规定为准）",
        "Example: documents completed within 30 days of advance aid (Zhangye measures 2023 No. 128, item 9, advance aid; the period as set locally)",
    ),
    // Liaoning's own sources where the Gansu example's cites a text that does not apply there
    // (`example_rows` copies the other province-wide examples).
    (
        "21",
        None,
        ParamKey::PremiumTekunShare,
        1_000,
        "辽宁意见二(三)2(1)：特困人员全额资助",
        "Liaoning opinions 2(3)2(1): Tekun persons' contribution paid in full",
    ),
    (
        "21",
        None,
        ParamKey::PremiumMarginalShare,
        600,
        "辽宁意见二(三)2(1)：低保边缘按个人缴费60%资助",
        "Liaoning opinions 2(3)2(1): 60% of a marginal person's own contribution paid",
    ),
    (
        "21",
        None,
        ParamKey::AdvanceAidMax,
        100_000,
        "示例：小金额先行救助上限（元），辽宁意见二(三)3",
        "Example: the most that small advance aid may be (yuan), Liaoning opinions 2(3)3",
    ),
    (
        "21",
        None,
        ParamKey::AdvanceDocumentsDays,
        30,
        "示例：先行救助后30天内补充说明情况、补齐材料（辽宁意见二(三)3）",
        "Example: explanations and documents completed within 30 days of advance aid (Liaoning opinions 2(3)3)",
    ),
    (
        "21",
        None,
        ParamKey::ReferralResponseDays,
        10,
        "示例：部门收到需求推送后10天内反馈（辽宁意见二(二)1(3)：及时反馈救助帮扶信息）",
        "Example: a department answers a referral within 10 days (Liaoning opinions 2(2)1(3): aid given is fed back promptly)",
    ),
    (
        "21",
        None,
        ParamKey::EmploymentCostDeduction,
        20_000,
        "示例：就业成本扣减（元/就业成员·月）；辽宁意见未规定，以本地规定为准",
        "Example: employment-cost deduction (yuan per employed member and month); the Liaoning opinions set none, as set locally",
    ),
    (
        "21",
        None,
        ParamKey::TaperMonths,
        6,
        "示例：渐退期6个月；辽宁意见未规定，以本地规定为准",
        "Example: a taper period of 6 months; the Liaoning opinions set none, as set locally",
    ),
    (
        "21",
        None,
        ParamKey::PublicNoticeDays,
        7,
        "示例：审核结果公示7天；以本地规定为准",
        "Example: the decision is publicly posted for 7 days; as set locally",
    ),
    (
        "21",
        None,
        ParamKey::ReviewIntervalMonths,
        12,
        "示例：低保边缘、刚性支出困难家庭年度复核；辽宁意见未规定复核周期，以本地规定为准",
        "Example: marginal and essential-spending households reviewed yearly; the Liaoning opinions set no period, as set locally",
    ),
    // Where the two texts differ, each region follows its own: education assistance.
    (
        "6207",
        None,
        ParamKey::EducationReach,
        1,
        "张政办发〔2023〕128号(八) 教育救助：低收入人口及其他经济困难家庭中的在园幼儿、在校学生",
        "Zhangye measures 2023 No. 128, item 8, education assistance: children in kindergarten and students among low-income people and other families in economic difficulty",
    ),
    (
        "21",
        None,
        ParamKey::EducationReach,
        0,
        "辽宁意见二(三)2(2)：低保家庭、特困人员、低保边缘家庭、刚性支出困难家庭等家庭经济困难在园幼儿、在校学生",
        "Liaoning opinions 2(3)2(2): children in kindergarten and students of Dibao, Tekun, marginal and rigid-expense households and the like",
    ),
    // 政务公开: public statistics withhold cells under 5 households, in both provinces.
    (
        "62",
        None,
        ParamKey::PublicCellMin,
        5,
        "示例：统计公开时少于5户的单元格不公开（张政办发〔2023〕128号(十六) 信息公开）",
        "Example: public statistics withhold cells of fewer than 5 households (Zhangye measures, item 16, disclosure)",
    ),
    (
        "21",
        None,
        ParamKey::PublicCellMin,
        5,
        "示例：统计公开时少于5户的单元格不公开（辽宁意见三(四) 政务公开）",
        "Example: public statistics withhold cells of fewer than 5 households (Liaoning opinions 3(4), open government)",
    ),
    (
        "62",
        None,
        ParamKey::ComplaintWorkingDays,
        15,
        "示例：投诉举报自受理之日起15个工作日内答复（张政办发〔2023〕128号(十六) 举报监督）",
        "Example: a complaint or report answered within 15 working days (Zhangye measures, item 16, reports)",
    ),
    (
        "21",
        None,
        ParamKey::ComplaintWorkingDays,
        15,
        "示例：投诉举报自受理之日起15个工作日内答复，以本地规定为准",
        "Example: a complaint or report answered within 15 working days, as set locally",
    ),
    // A city and a county override (Zhangye 6207, Ganzhou 620702): inheritance in action.
    (
        "6207",
        Some(Residence::Urban),
        ParamKey::DibaoStandard,
        77_000,
        "示例：张掖市城市低保标准",
        "Example: Zhangye city urban Dibao standard",
    ),
    (
        "6207",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        57_000,
        "示例：张掖市农村低保标准",
        "Example: Zhangye city rural Dibao standard",
    ),
    (
        "620702",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        58_000,
        "示例：甘州区农村低保标准",
        "Example: Ganzhou district rural Dibao standard",
    ),
    (
        "21",
        Some(Residence::Urban),
        ParamKey::DibaoStandard,
        80_000,
        "示例：辽宁省城市低保标准",
        "Example: Liaoning provincial urban Dibao standard",
    ),
    (
        "21",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        60_000,
        "示例：辽宁省农村低保标准",
        "Example: Liaoning provincial rural Dibao standard",
    ),
];

/// The example rows, as a fresh installation stores them. Liaoning (21) inherits the
/// non-standard values through its own copies so each province stands alone.
pub fn example_rows(created_at: i64) -> Vec<ParamRow> {
    let mut rows = Vec::new();
    let mut id = 0;
    let mut push = |region: &str, residence, key, value, source: &str| {
        id += 1;
        rows.push(ParamRow {
            id,
            key,
            region: RegionCode::parse(region).expect("example region"),
            residence,
            value,
            effective_from: examples_effective_from(),
            source: source.to_string(),
            example: true,
            withdrawn: false,
            approved: true,
            created_by: "seed".into(),
            created_at,
        });
    };
    for (region, residence, key, value, source, _) in EXAMPLES {
        push(region, *residence, *key, *value, source);
    }
    // Liaoning gets every province-wide Gansu example except the ones it has its own row for
    // (its standards, and values whose Gansu source cites Zhangye's text).
    let own = |key: ParamKey| EXAMPLES.iter().any(|e| e.0 == "21" && e.2 == key);
    for (region, residence, key, value, source, _) in EXAMPLES {
        if *region == "62" && !own(*key) {
            push("21", *residence, *key, *value, source);
        }
    }
    rows
}

/// The English of a shipped example's source, for an English page: `None` for any other text
/// (an administrator's own source is shown as written).
pub fn source_in_english(source: &str) -> Option<&'static str> {
    EXAMPLES
        .iter()
        .find(|(.., zh, _)| *zh == source)
        .map(|(.., en)| *en)
}
