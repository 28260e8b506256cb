//! 现有对象直接纳入 (Zhangye (三); (十四) 不再重复排查): a county starts from its real caseload by
//! importing its current rosters — Dibao, Tekun, Dibao-marginal, rigid-expense, relapse-watch and
//! disabled persons — as households with members, categories, amounts and start dates. One row
//! per person; the head's ID number groups a household's rows. Each roster has its template.

use super::declaration::{Relation, Residence};
use super::id_number::IdNumber;
use super::monitoring::{
    amount_of, grade_of, id_of, parse_date, Column, ColumnMap, Field, RowProblem, MAX_CELL_CHARS,
};
use super::phone::Phone;
use super::policy::assess::Category;
use super::policy::facts::{CareNeed, SupportMode};
use super::region::{RegionCode, RegionLevel};
use chrono::NaiveDate;

coded! {
    /// The rosters a county keeps (花名册).
    pub enum Roster {
        /// 低保对象.
        Dibao = "dibao",
        /// 特困供养人员.
        Tekun = "tekun",
        /// 低保边缘家庭成员.
        DibaoMarginal = "dibao_marginal",
        /// 刚性支出困难家庭成员.
        RigidExpense = "rigid_expense",
        /// 防止返贫监测对象: sets the household's flag (never re-screened), raises no warning.
        RelapseWatch = "relapse_watch",
        /// 残疾人 (两项补贴): grade and kind kept with the person.
        Disabled = "disabled",
    }
}

const HEAD_HEADERS: &[&str] = &["户主身份证号", "户主公民身份号码", "head_id_number"];
const ID_HEADERS: &[&str] = &[
    "身份证号",
    "公民身份号码",
    "证件号码",
    "成员身份证号",
    "id_number",
];

const fn col(field: Field, headers: &'static [&'static str], required: bool) -> Column {
    Column {
        field,
        headers,
        required,
    }
}

const HEAD: Column = col(Field::HeadIdNumber, HEAD_HEADERS, true);
const ID: Column = col(Field::IdNumber, ID_HEADERS, true);
const NAME: Column = col(Field::Name, &["姓名", "成员姓名", "name"], true);
const RELATION: Column = col(Field::Relation, &["与户主关系", "关系", "relation"], true);
const REGION: Column = col(
    Field::Region,
    &[
        "行政区划代码",
        "村（社区）代码",
        "村(社区)代码",
        "region_code",
    ],
    true,
);
const ADDRESS: Column = col(Field::Address, &["家庭住址", "住址", "address"], false);
const PHONE: Column = col(Field::Phone, &["联系电话", "电话", "phone"], false);
const RESIDENCE: Column = col(
    Field::Residence,
    &["城乡类别", "城乡", "城乡属性", "residence"],
    false,
);
const SUPPORT: Column = col(Field::SupportMode, &["供养方式", "support_mode"], false);
const CARE: Column = col(
    Field::CareNeed,
    &["生活自理能力", "自理能力", "生活自理能力评估", "care_need"],
    false,
);
const SINCE: Column = col(
    Field::Date,
    &["纳入日期", "认定日期", "享受起始日期", "起始日期", "since"],
    true,
);

impl Roster {
    /// The category a listing gives its person; `None` for the disabled persons' roster (a
    /// disability is not a category of its own).
    pub fn category(self) -> Option<Category> {
        match self {
            Roster::Dibao => Some(Category::Dibao),
            Roster::Tekun => Some(Category::Tekun),
            Roster::DibaoMarginal => Some(Category::DibaoMarginal),
            Roster::RigidExpense => Some(Category::RigidExpense),
            Roster::RelapseWatch => Some(Category::RelapseWatch),
            Roster::Disabled => None,
        }
    }

    /// Whether a listing puts the household in assistance (its standing in the database).
    pub fn in_assistance(self) -> bool {
        matches!(
            self,
            Roster::Dibao | Roster::Tekun | Roster::DibaoMarginal | Roster::RigidExpense
        )
    }

    /// Whether each row must carry its monthly amount (保障金 / 供养金).
    pub fn amount_required(self) -> bool {
        matches!(self, Roster::Dibao | Roster::Tekun)
    }

    /// The roster's columns: who, which household, where, since when, and what the roster
    /// itself records (an amount; a disability's grade and kind).
    pub fn template(self) -> &'static [Column] {
        const AMOUNT: Column = col(
            Field::Amount,
            &[
                "月保障金额",
                "月救助金额",
                "月供养金额",
                "月补贴金额",
                "amount",
            ],
            true,
        );
        const AMOUNT_OPTIONAL: Column = col(
            Field::Amount,
            &["月保障金额", "月救助金额", "月补贴金额", "amount"],
            false,
        );
        const GRADE: Column = col(Field::Grade, &["残疾等级", "等级", "grade"], true);
        const KIND: Column = col(Field::Detail, &["残疾类别", "类别", "category"], false);
        const RISK: Column = col(
            Field::Detail,
            &["监测对象类型", "风险类型", "detail"],
            false,
        );
        match self {
            Roster::Dibao => &[
                HEAD, ID, NAME, RELATION, REGION, ADDRESS, PHONE, AMOUNT, SINCE, RESIDENCE,
            ],
            Roster::Tekun => &[
                HEAD, ID, NAME, RELATION, REGION, ADDRESS, PHONE, AMOUNT, SINCE, RESIDENCE,
                SUPPORT, CARE,
            ],
            Roster::DibaoMarginal | Roster::RigidExpense => &[
                HEAD,
                ID,
                NAME,
                RELATION,
                REGION,
                ADDRESS,
                PHONE,
                AMOUNT_OPTIONAL,
                SINCE,
                RESIDENCE,
            ],
            Roster::RelapseWatch => &[
                HEAD, ID, NAME, RELATION, REGION, ADDRESS, PHONE, RISK, SINCE,
            ],
            Roster::Disabled => &[
                HEAD,
                ID,
                NAME,
                RELATION,
                REGION,
                ADDRESS,
                PHONE,
                GRADE,
                KIND,
                AMOUNT_OPTIONAL,
                SINCE,
            ],
        }
    }
}

/// 与户主关系 as rosters write it.
pub fn relation_of(raw: &str) -> Option<Relation> {
    Some(match raw.trim() {
        "户主" | "本人" | "head" => Relation::Head,
        "配偶" | "妻" | "夫" | "妻子" | "丈夫" | "spouse" => Relation::Spouse,
        "子" | "女" | "儿子" | "女儿" | "子女" | "长子" | "次子" | "长女" | "次女" | "child" => {
            Relation::Child
        }
        "父亲" | "母亲" | "父母" | "父" | "母" | "parent" => Relation::Parent,
        "孙子" | "孙女" | "外孙子" | "外孙女" | "孙子女" | "grandchild" => {
            Relation::Grandchild
        }
        "祖父" | "祖母" | "外祖父" | "外祖母" | "祖父母" | "grandparent" => {
            Relation::Grandparent
        }
        "兄" | "弟" | "姐" | "妹" | "兄弟姐妹" | "sibling" => Relation::Sibling,
        "儿媳" | "女婿" | "child_in_law" => Relation::ChildInLaw,
        "其他" | "other" => Relation::Other,
        _ => return None,
    })
}

/// 城乡类别 as rosters write it.
pub fn residence_of(raw: &str) -> Option<Residence> {
    Some(match raw.trim() {
        "城市" | "城镇" | "城市低保" | "城镇低保" | "城市特困" | "urban" => {
            Residence::Urban
        }
        "农村" | "乡村" | "农村低保" | "农村特困" | "rural" => Residence::Rural,
        _ => return None,
    })
}

/// 供养方式 as rosters write it.
pub fn support_mode_of(raw: &str) -> Option<SupportMode> {
    Some(match raw.trim() {
        "集中供养" | "集中" | "centralised" => SupportMode::Centralised,
        "分散供养" | "分散" | "dispersed" => SupportMode::Dispersed,
        _ => return None,
    })
}

/// 生活自理能力 as Tekun rosters write it (特困人员生活自理能力评估: 全自理, 半护理, 全护理).
pub fn care_need_of(raw: &str) -> Option<CareNeed> {
    Some(match raw.trim() {
        "全自理" | "自理" | "具备生活自理能力" | "生活自理" | "self_care" => {
            CareNeed::SelfCare
        }
        "半护理" | "半自理" | "部分丧失生活自理能力" | "部分自理" | "partly_dependent" => {
            CareNeed::PartlyDependent
        }
        "全护理" | "不能自理" | "完全丧失生活自理能力" | "生活不能自理" | "fully_dependent" => {
            CareNeed::FullyDependent
        }
        _ => return None,
    })
}

/// One roster row, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeRow {
    pub head: IdNumber,
    pub id_number: IdNumber,
    pub name: String,
    pub relation: Relation,
    pub region: RegionCode,
    pub address: String,
    pub phone: Option<Phone>,
    /// Monthly, in fen, when the roster records one.
    pub amount_fen: Option<i64>,
    /// The day the person was first listed (纳入日期).
    pub since: NaiveDate,
    /// A disability's grade (1 is the most severe), for the disabled persons' roster.
    pub grade: Option<u8>,
    /// A disability's kind, or a relapse-watch listing's risk, as written.
    pub detail: String,
    /// Urban or rural, when the roster says (the household's, for the statistics).
    pub residence: Option<Residence>,
    /// A Tekun person's support, when the roster says.
    pub support_mode: Option<SupportMode>,
    /// A Tekun person's 生活自理能力, when the roster says (who may have care services).
    pub care_need: Option<CareNeed>,
}

/// One listing of a household's person, as the decision an intake makes reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listing {
    pub roster: Roster,
    /// Monthly, in fen, when the roster recorded one.
    pub amount_fen: Option<i64>,
    pub since: NaiveDate,
}

/// The decision in force a taken-in household holds (现有对象直接纳入): what puts it on the
/// 花名册 and the county's payment rolls as if it had been decided here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntakeDecision {
    pub category: Category,
    /// What the rosters list it as paid each month, in fen (0 when they list no amount).
    pub monthly_fen: i64,
    /// The earliest day one of its persons was listed.
    pub effective_from: NaiveDate,
}

/// The decision an intake gives a household from all its persons' listings: the category of
/// the roster first in 特困 → 低保 → 低保边缘 → 刚性支出 order; the sum of every monthly
/// amount the assistance rosters list for it (no listed amount goes unpaid when a household's
/// persons are on two rosters); from the earliest start date. `None` when none of its listings
/// puts a household in assistance (relapse-watch and disabled persons' rosters only).
pub fn intake_decision(listings: &[Listing]) -> Option<IntakeDecision> {
    let rank = |r: Roster| match r {
        Roster::Tekun => 0,
        Roster::Dibao => 1,
        Roster::DibaoMarginal => 2,
        Roster::RigidExpense => 3,
        Roster::RelapseWatch | Roster::Disabled => 4,
    };
    let assisting = || listings.iter().filter(|l| l.roster.in_assistance());
    let first = assisting().min_by_key(|l| rank(l.roster))?;
    Some(IntakeDecision {
        category: first.roster.category()?,
        monthly_fen: assisting()
            .filter_map(|l| l.amount_fen)
            .map(|a| a.max(0))
            .sum(),
        effective_from: assisting().map(|l| l.since).min()?,
    })
}

/// Checks a roster row against its column map: within `scope` (the importer's region).
pub fn intake_row(
    roster: Roster,
    map: &ColumnMap,
    row: &[&str],
    scope: &RegionCode,
    today: NaiveDate,
) -> Result<IntakeRow, RowProblem> {
    if row.len() != map.width {
        return Err(RowProblem::WrongFieldCount);
    }
    if row.iter().any(|c| c.chars().count() > MAX_CELL_CHARS) {
        return Err(RowProblem::CellTooLong);
    }
    let cell = |f: Field| map.get(f).map(|i| row[i].trim()).unwrap_or("");
    let id_number = id_of(cell(Field::IdNumber), today)?;
    let head = id_of(cell(Field::HeadIdNumber), today)?;
    let name = cell(Field::Name).to_string();
    if name.is_empty() {
        return Err(RowProblem::NameMissing);
    }
    let relation = relation_of(cell(Field::Relation)).ok_or(RowProblem::RelationUnknown)?;
    // The head's own row names them the head; nobody else's does.
    if (relation == Relation::Head) != (head == id_number) {
        return Err(RowProblem::HouseholdMismatch);
    }
    let region = RegionCode::parse(cell(Field::Region))
        .ok()
        .filter(|r| r.level() == RegionLevel::Village)
        .ok_or(RowProblem::RegionFormat)?;
    if !region.is_within(scope) {
        return Err(RowProblem::RegionOutside);
    }
    let phone = match cell(Field::Phone) {
        "" => None,
        p => Some(Phone::parse(p).map_err(|_| RowProblem::PhoneFormat)?),
    };
    let amount_fen = match cell(Field::Amount) {
        "" if roster.amount_required() => return Err(RowProblem::AmountMissing),
        "" => None,
        a => Some(amount_of(a)?),
    };
    let since = parse_date(cell(Field::Date)).ok_or(RowProblem::DateFormat)?;
    if since > today {
        return Err(RowProblem::DateInFuture);
    }
    let residence = match cell(Field::Residence) {
        "" => None,
        r => Some(residence_of(r).ok_or(RowProblem::ResidenceUnknown)?),
    };
    let support_mode = match cell(Field::SupportMode) {
        "" => None,
        m => Some(support_mode_of(m).ok_or(RowProblem::SupportModeUnknown)?),
    };
    let care_need = match cell(Field::CareNeed) {
        "" => None,
        c => Some(care_need_of(c).ok_or(RowProblem::CareNeedUnknown)?),
    };
    let grade = match roster {
        Roster::Disabled => Some(grade_of(cell(Field::Grade)).ok_or(RowProblem::GradeFormat)?),
        _ => None,
    };
    Ok(IntakeRow {
        head,
        id_number,
        name,
        relation,
        region,
        address: cell(Field::Address).to_string(),
        phone,
        amount_fen,
        since,
        grade,
        detail: cell(Field::Detail).to_string(),
        residence,
        support_mode,
        care_need,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::{map_columns, FileProblem};

    fn valid(first17: &str) -> String {
        let c = crate::domain::id_number::check_char(first17).unwrap();
        format!("{first17}{c}")
    }

    fn header(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_intake_decides_by_the_first_roster_and_pays_every_listed_amount() {
        let l = |roster, amount_fen, since| Listing {
            roster,
            amount_fen,
            since: day(since),
        };
        // Two members on the Dibao roster, one also on the Tekun roster: Tekun names the
        // category; every listed amount is paid; from the earliest listing.
        let d = intake_decision(&[
            l(Roster::Dibao, Some(40_000), "2022-03-01"),
            l(Roster::Dibao, Some(35_000), "2021-07-01"),
            l(Roster::Tekun, Some(90_000), "2023-01-01"),
            l(Roster::RelapseWatch, None, "2019-01-01"),
        ])
        .unwrap();
        assert_eq!(
            (d.category, d.monthly_fen, d.effective_from),
            (Category::Tekun, 165_000, day("2021-07-01"))
        );
        // A marginal household listed without an amount is decided, at nothing a month.
        let d = intake_decision(&[l(Roster::DibaoMarginal, None, "2024-05-01")]).unwrap();
        assert_eq!((d.category, d.monthly_fen), (Category::DibaoMarginal, 0));
        // Relapse-watch and disabled persons' listings decide nothing.
        assert_eq!(
            intake_decision(&[
                l(Roster::RelapseWatch, None, "2024-05-01"),
                l(Roster::Disabled, Some(10_000), "2020-01-01"),
            ]),
            None
        );
        assert_eq!(intake_decision(&[]), None);
    }

    #[test]
    fn a_tekun_roster_says_urban_or_rural_the_support_and_the_care_need_as_rosters_write_them() {
        let today: NaiveDate = "2026-12-01".parse().unwrap();
        let scope = RegionCode::parse("620702").unwrap();
        let map = map_columns(
            Roster::Tekun.template(),
            &header(&[
                "户主身份证号",
                "身份证号",
                "姓名",
                "与户主关系",
                "行政区划代码",
                "月供养金额",
                "纳入日期",
                "城乡类别",
                "供养方式",
                "生活自理能力",
            ]),
        )
        .unwrap();
        assert!(map.ignored.is_empty());
        let head = valid("62070219450101003");
        let row_with = |residence: &str, support: &str, care: &str| {
            let cells = [
                head.as_str(),
                head.as_str(),
                "孙五保",
                "本人",
                "620702100201",
                "900",
                "2020-01-01",
                residence,
                support,
                care,
            ];
            intake_row(Roster::Tekun, &map, &cells, &scope, today)
        };
        let row = |residence: &str, support: &str| row_with(residence, support, "");
        let r = row("农村", "集中供养").unwrap();
        assert_eq!(
            (r.residence, r.support_mode),
            (Some(Residence::Rural), Some(SupportMode::Centralised))
        );
        let r = row(" 城市 ", "分散").unwrap();
        assert_eq!(
            (r.residence, r.support_mode),
            (Some(Residence::Urban), Some(SupportMode::Dispersed))
        );
        assert_eq!(
            row("", "").map(|r| (r.residence, r.support_mode)),
            Ok((None, None))
        );
        assert_eq!(row("城乡", ""), Err(RowProblem::ResidenceUnknown));
        assert_eq!(row("农村", "敬老院"), Err(RowProblem::SupportModeUnknown));
        // 生活自理能力 (特困人员生活自理能力评估), in its short and long names.
        let care = |c: &str| row_with("", "", c).map(|r| r.care_need);
        assert_eq!(care("全护理"), Ok(Some(CareNeed::FullyDependent)));
        assert_eq!(care(" 半护理 "), Ok(Some(CareNeed::PartlyDependent)));
        assert_eq!(
            care("部分丧失生活自理能力"),
            Ok(Some(CareNeed::PartlyDependent))
        );
        assert_eq!(care("全自理"), Ok(Some(CareNeed::SelfCare)));
        assert_eq!(care(""), Ok(None));
        assert_eq!(care("良好"), Err(RowProblem::CareNeedUnknown));
        // The relapse-watch roster has no such column: a header for it is reported, ignored.
        let map = map_columns(
            Roster::RelapseWatch.template(),
            &header(&[
                "户主身份证号",
                "身份证号",
                "姓名",
                "与户主关系",
                "行政区划代码",
                "纳入日期",
                "城乡类别",
            ]),
        )
        .unwrap();
        assert_eq!(map.ignored, vec!["城乡类别".to_string()]);
    }

    #[test]
    fn a_dibao_roster_row_is_checked_for_its_household_region_and_amount() {
        let today: NaiveDate = "2026-12-01".parse().unwrap();
        let scope = RegionCode::parse("620702").unwrap();
        let map = map_columns(
            Roster::Dibao.template(),
            &header(&[
                "户主身份证号",
                "身份证号",
                "姓名",
                "与户主关系",
                "行政区划代码",
                "月保障金额",
                "纳入日期",
                "备注",
            ]),
        )
        .unwrap();
        assert_eq!(map.ignored, vec!["备注".to_string()]);
        let head = valid("62070219600101001");
        let child = valid("62070220100101002");
        let row = |id: &str, rel: &str, region: &str, amount: &str, since: &str| {
            let cells = [head.as_str(), id, "张三", rel, region, amount, since, ""];
            intake_row(Roster::Dibao, &map, &cells, &scope, today)
        };
        let r = row(&head, "户主", "620702100201", "650.50", "2023-05-01").unwrap();
        assert_eq!(
            (r.relation, r.amount_fen, r.since.to_string()),
            (Relation::Head, Some(65_050), "2023-05-01".into())
        );
        assert_eq!(
            row(&child, "女儿", "620702100201", "300", "2023-05-01")
                .unwrap()
                .relation,
            Relation::Child
        );
        assert_eq!(
            row(&child, "户主", "620702100201", "300", "2023-05-01"),
            Err(RowProblem::HouseholdMismatch)
        );
        assert_eq!(
            row(&child, "表亲", "620702100201", "300", "2023-05-01"),
            Err(RowProblem::RelationUnknown)
        );
        assert_eq!(
            row(&child, "子", "620702100", "300", "2023-05-01"),
            Err(RowProblem::RegionFormat)
        );
        assert_eq!(
            row(&child, "子", "620722100201", "300", "2023-05-01"),
            Err(RowProblem::RegionOutside)
        );
        assert_eq!(
            row(&child, "子", "620702100201", "", "2023-05-01"),
            Err(RowProblem::AmountMissing)
        );
        assert_eq!(
            row(&child, "子", "620702100201", "300", "2027-01-01"),
            Err(RowProblem::DateInFuture)
        );
        // A roster without its amount column cannot be a Dibao roster.
        assert!(matches!(
            map_columns(
                Roster::Dibao.template(),
                &header(&[
                    "户主身份证号",
                    "身份证号",
                    "姓名",
                    "与户主关系",
                    "行政区划代码",
                    "纳入日期"
                ])
            ),
            Err(FileProblem::MissingColumns { .. })
        ));
        // The marginal roster's amount is optional; the disabled roster needs the grade.
        let marginal = map_columns(
            Roster::DibaoMarginal.template(),
            &header(&[
                "户主身份证号",
                "身份证号",
                "姓名",
                "与户主关系",
                "行政区划代码",
                "纳入日期",
            ]),
        )
        .unwrap();
        let cells = [
            head.as_str(),
            head.as_str(),
            "张三",
            "本人",
            "620702100201",
            "2024-01-01",
        ];
        assert_eq!(
            intake_row(Roster::DibaoMarginal, &marginal, &cells, &scope, today)
                .unwrap()
                .amount_fen,
            None
        );
        let disabled = map_columns(
            Roster::Disabled.template(),
            &header(&[
                "户主身份证号",
                "身份证号",
                "姓名",
                "与户主关系",
                "行政区划代码",
                "残疾等级",
                "残疾类别",
                "纳入日期",
            ]),
        )
        .unwrap();
        let cells = [
            head.as_str(),
            head.as_str(),
            "张三",
            "户主",
            "620702100201",
            "二级",
            "肢体",
            "2024-01-01",
        ];
        let r = intake_row(Roster::Disabled, &disabled, &cells, &scope, today).unwrap();
        assert_eq!((r.grade, r.detail.as_str()), (Some(2), "肢体"));
        assert_eq!(
            (
                Roster::Disabled.category(),
                Roster::Disabled.in_assistance()
            ),
            (None, false)
        );
        assert_eq!(
            (
                Roster::RelapseWatch.category(),
                Roster::RelapseWatch.in_assistance()
            ),
            (Some(Category::RelapseWatch), false)
        );
    }
}
