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

/// (region, residence, key, value, source) of each example value.
const EXAMPLES: &[(&str, Option<Residence>, ParamKey, i64, &str)] = &[
    // Province-wide values (Gansu 62, Liaoning 21): inherited by every city and county below.
    (
        "62",
        Some(Residence::Urban),
        ParamKey::DibaoStandard,
        75_000,
        "示例：省级城市低保标准（元/人·月）",
    ),
    (
        "62",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        55_000,
        "示例：省级农村低保标准（元/人·月）",
    ),
    (
        "62",
        None,
        ParamKey::TekunStandardRatio,
        1_300,
        "示例：特困基本生活标准不低于低保标准1.3倍",
    ),
    (
        "62",
        None,
        ParamKey::MarginalMultiplier,
        1_500,
        "国办发〔2023〕39号：低保标准1.5倍（示例）",
    ),
    (
        "62",
        None,
        ParamKey::EmploymentCostDeduction,
        20_000,
        "示例：就业成本扣减（元/就业成员·月），张政办发〔2023〕128号(八)",
    ),
    (
        "62",
        None,
        ParamKey::DibaoDepositMonths,
        24,
        "示例：低保家庭人均存款不超过24个月低保标准",
    ),
    (
        "62",
        None,
        ParamKey::MarginalDepositMonths,
        36,
        "示例：低保边缘家庭人均存款不超过36个月低保标准",
    ),
    (
        "62",
        None,
        ParamKey::MaxHousing,
        1,
        "示例：家庭住房不超过1套",
    ),
    (
        "62",
        None,
        ParamKey::MaxVehicles,
        0,
        "示例：无机动车辆（残疾人功能性补偿代步车除外）",
    ),
    (
        "62",
        None,
        ParamKey::BusinessExcludes,
        1,
        "示例：登记经营主体的家庭不予认定",
    ),
    (
        "62",
        Some(Residence::Urban),
        ParamKey::DisposableIncomeLastYear,
        4_000_000,
        "示例：上年度城镇居民人均可支配收入（元/年）",
    ),
    (
        "62",
        Some(Residence::Rural),
        ParamKey::DisposableIncomeLastYear,
        1_400_000,
        "示例：上年度农村居民人均可支配收入（元/年）",
    ),
    (
        "62",
        None,
        ParamKey::RigidSpendingShare,
        500,
        "示例：刚性支出超过家庭年收入的50%",
    ),
    (
        "62",
        None,
        ParamKey::TaperMonths,
        6,
        "张政办发〔2023〕128号(八)：渐退期不超过6个月（示例取6）",
    ),
    (
        "62",
        None,
        ParamKey::ElderlyAge,
        60,
        "民发〔2021〕43号第六条：60周岁以上",
    ),
    (
        "62",
        None,
        ParamKey::MinorAge,
        16,
        "民发〔2021〕43号第六条：未满16周岁",
    ),
    (
        "62",
        None,
        ParamKey::StudentAge,
        18,
        "示例：16至18周岁在校学生",
    ),
    (
        "62",
        None,
        ParamKey::SevereDisabilityGrade,
        2,
        "民发〔2021〕43号第六条：一、二级残疾",
    ),
    (
        "62",
        None,
        ParamKey::IntellectualMentalGrade,
        3,
        "民发〔2021〕43号第六条：三级智力、精神残疾",
    ),
    (
        "62",
        None,
        ParamKey::PremiumIndividual,
        40_000,
        "示例：城乡居民医保个人缴费（元/人·年）",
    ),
    (
        "62",
        None,
        ParamKey::PremiumTekunShare,
        1_000,
        "辽宁意见二(三)2(1)：特困人员全额资助",
    ),
    (
        "62",
        None,
        ParamKey::PremiumDibaoFixed,
        30_000,
        "示例：低保对象定额资助（元/人·年）",
    ),
    (
        "62",
        None,
        ParamKey::PremiumMarginalShare,
        600,
        "辽宁意见二(三)2(1)：低保边缘按个人缴费60%资助",
    ),
    (
        "62",
        None,
        ParamKey::PublicNoticeDays,
        7,
        "示例：审核结果公示7天（张政办发〔2023〕128号(十二)：乡镇负责公开公示）",
    ),
    (
        "62",
        None,
        ParamKey::DecisionWorkingDays,
        30,
        "示例：自受理之日起30个工作日内完成审核确认（《最低生活保障审核确认办法》民发〔2021〕57号，以本地规定为准）",
    ),
    (
        "21",
        None,
        ParamKey::DecisionWorkingDays,
        30,
        "示例：自受理之日起30个工作日内完成审核确认（《最低生活保障审核确认办法》民发〔2021〕57号，以本地规定为准）",
    ),
    (
        "62",
        None,
        ParamKey::ReferralResponseDays,
        10,
        "示例：部门收到需求推送后10天内反馈（张政办发〔2023〕128号(六)、辽宁意见二(一)3）",
    ),
    (
        "62",
        None,
        ParamKey::ReviewIntervalMonths,
        12,
        "张政办发〔2023〕128号(三)：低保边缘、刚性支出困难家庭自认定之日起年度复核",
    ),
    (
        "62",
        None,
        ParamKey::ReviewLeadDays,
        30,
        "示例：复核到期前30天生成复核任务",
    ),
    (
        "62",
        None,
        ParamKey::AdvanceAidMax,
        100_000,
        "示例：小金额先行救助上限（元），辽宁意见二(三)3",
    ),
    (
        "62",
        None,
        ParamKey::AdvanceDocumentsDays,
        30,
        "示例：先行救助后30天内补充说明情况、补齐材料（辽宁意见二(三)3）",
    ),
    // A city and a county override (Zhangye 6207, Ganzhou 620702): inheritance in action.
    (
        "6207",
        Some(Residence::Urban),
        ParamKey::DibaoStandard,
        77_000,
        "示例：张掖市城市低保标准",
    ),
    (
        "6207",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        57_000,
        "示例：张掖市农村低保标准",
    ),
    (
        "620702",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        58_000,
        "示例：甘州区农村低保标准",
    ),
    (
        "21",
        Some(Residence::Urban),
        ParamKey::DibaoStandard,
        80_000,
        "示例：辽宁省城市低保标准",
    ),
    (
        "21",
        Some(Residence::Rural),
        ParamKey::DibaoStandard,
        60_000,
        "示例：辽宁省农村低保标准",
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
    for (region, residence, key, value, source) in EXAMPLES {
        push(region, *residence, *key, *value, source);
    }
    // Liaoning gets every province-wide Gansu example except the standards it sets itself.
    for (region, residence, key, value, source) in EXAMPLES {
        if *region == "62" && *key != ParamKey::DibaoStandard {
            push("21", *residence, *key, *value, source);
        }
    }
    rows
}
