//! 数据比对 and 预警: department files matched by ID number against the low-income database,
//! and warning rules (data an administrator edits: level I/II/III and a home-visit deadline).
//! Pure: column templates, row checks and rule evaluation. First source: medical insurance.

use super::id_number::IdNumber;
use super::money::Money;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A cell longer than this is not data (a pasted document, a broken quote).
pub const MAX_CELL_CHARS: usize = 200;

coded! {
    /// Who sent the file (比对数据来源), each with its column template.
    pub enum Source {
        /// 医保: hospital settlements with total and out-of-pocket spending.
        MedicalInsurance = "medical_insurance",
        /// 残联: new or changed disability certificates.
        DisabledPersons = "disabled_persons",
        /// 人社: unemployment and employment registrations, pensions.
        HumanResources = "human_resources",
        /// 公安: deaths and hukou moves.
        PublicSecurity = "public_security",
        /// 住建: property registrations and unsafe-housing appraisals.
        Housing = "housing",
        /// 教育: enrolments.
        Education = "education",
        /// 应急管理: disaster victims.
        EmergencyManagement = "emergency_management",
        /// 公安交管: vehicle registrations (may mean no longer eligible).
        Vehicles = "vehicles",
        /// 市场监管: business registrations (may mean no longer eligible).
        Businesses = "businesses",
        /// 乡村振兴: the relapse-watch list (防止返贫监测对象).
        RuralRevitalisation = "rural_revitalisation",
        /// 司法: legal aid granted, detention and release.
        Justice = "justice",
        /// 卫健: serious illnesses diagnosed, births and deaths in hospital.
        Health = "health",
        /// 退役军人事务: veterans recognised as in difficulty.
        Veterans = "veterans",
        /// 工会: workers on the union's hardship register (困难职工).
        TradeUnion = "trade_union",
        /// 法院: judicial assistance (司法救助) granted.
        Court = "court",
        /// 检察院: judicial assistance (司法救助) granted.
        Procuratorate = "procuratorate",
    }
}

const ID_HEADERS: &[&str] = &[
    "身份证号",
    "公民身份号码",
    "证件号码",
    "身份证号码",
    "id_number",
];
const NAME_HEADERS: &[&str] = &["姓名", "name"];
const ID_COLUMN: Column = Column {
    field: Field::IdNumber,
    headers: ID_HEADERS,
    required: true,
};
const NAME_COLUMN: Column = Column {
    field: Field::Name,
    headers: NAME_HEADERS,
    required: false,
};

impl Source {
    /// The department that sends this source (its officers may import it).
    pub fn department(self) -> super::chain::Department {
        use super::chain::Department as D;
        match self {
            Source::MedicalInsurance => D::MedicalInsurance,
            Source::DisabledPersons => D::DisabledPersons,
            Source::HumanResources => D::HumanResources,
            Source::PublicSecurity | Source::Vehicles => D::PublicSecurity,
            Source::Housing => D::Housing,
            Source::Education => D::Education,
            Source::EmergencyManagement => D::EmergencyManagement,
            Source::Businesses => D::MarketRegulation,
            Source::RuralRevitalisation => D::RuralRevitalisation,
            Source::Justice => D::Justice,
            Source::Health => D::Health,
            Source::Veterans => D::VeteransAffairs,
            Source::TradeUnion => D::TradeUnion,
            Source::Court => D::Court,
            Source::Procuratorate => D::Procuratorate,
        }
    }

    /// The columns of the source's file: what each is, the headers it goes by, and whether it
    /// must be there. Other columns are ignored and named in the report.
    pub fn template(self) -> &'static [Column] {
        use Field::*;
        match self {
            Source::MedicalInsurance => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Date,
                    headers: &["结算日期", "就诊日期", "费用发生日期", "date"],
                    required: true,
                },
                Column {
                    field: Total,
                    headers: &["医疗总费用", "总费用", "total"],
                    required: true,
                },
                Column {
                    field: OutOfPocket,
                    headers: &["个人自付", "个人负担", "自付金额", "out_of_pocket"],
                    required: true,
                },
            ],
            Source::DisabledPersons => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Date,
                    headers: &["发证日期", "办证日期", "评定日期", "date"],
                    required: true,
                },
                Column {
                    field: Grade,
                    headers: &["残疾等级", "等级", "grade"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["残疾类别", "类别", "category"],
                    required: false,
                },
            ],
            Source::HumanResources => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Event,
                    headers: &["事项", "状态", "登记类型", "event"],
                    required: true,
                },
                Column {
                    field: Date,
                    headers: &["登记日期", "日期", "发生日期", "date"],
                    required: true,
                },
                Column {
                    field: Amount,
                    headers: &["养老金月额", "月领取金额", "金额", "amount"],
                    required: false,
                },
            ],
            Source::PublicSecurity => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Event,
                    headers: &["事项", "变动类型", "注销原因", "event"],
                    required: true,
                },
                Column {
                    field: Date,
                    headers: &["变动日期", "注销日期", "日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["迁往地", "说明", "detail"],
                    required: false,
                },
            ],
            Source::Housing => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Event,
                    headers: &["事项", "类型", "event"],
                    required: true,
                },
                Column {
                    field: Date,
                    headers: &["登记日期", "鉴定日期", "日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["坐落", "房屋坐落", "说明", "detail"],
                    required: false,
                },
            ],
            Source::Education => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Date,
                    headers: &["入学日期", "注册日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["学段", "学校", "detail"],
                    required: false,
                },
            ],
            Source::EmergencyManagement => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Date,
                    headers: &["受灾日期", "日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["灾害类型", "灾种", "detail"],
                    required: false,
                },
                Column {
                    field: Amount,
                    headers: &["损失金额", "直接经济损失", "amount"],
                    required: false,
                },
            ],
            Source::Vehicles => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Date,
                    headers: &["登记日期", "注册日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["车辆类型", "号牌号码", "detail"],
                    required: false,
                },
                Column {
                    field: Amount,
                    headers: &["购置价格", "价格", "amount"],
                    required: false,
                },
            ],
            Source::Businesses => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Date,
                    headers: &["成立日期", "登记日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["企业名称", "主体名称", "detail"],
                    required: false,
                },
                Column {
                    field: Amount,
                    headers: &["注册资本", "出资额", "amount"],
                    required: false,
                },
            ],
            Source::RuralRevitalisation => &[
                Column {
                    field: IdNumber,
                    headers: ID_HEADERS,
                    required: true,
                },
                Column {
                    field: Name,
                    headers: NAME_HEADERS,
                    required: false,
                },
                Column {
                    field: Date,
                    headers: &["纳入日期", "识别日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["监测对象类型", "风险类型", "detail"],
                    required: false,
                },
            ],
            Source::Justice => &[
                ID_COLUMN,
                NAME_COLUMN,
                Column {
                    field: Event,
                    headers: &["事项", "类型", "event"],
                    required: true,
                },
                Column {
                    field: Date,
                    headers: &["决定日期", "羁押日期", "释放日期", "日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["案由", "说明", "detail"],
                    required: false,
                },
            ],
            Source::Health => &[
                ID_COLUMN,
                NAME_COLUMN,
                Column {
                    field: Event,
                    headers: &["事项", "类型", "event"],
                    required: true,
                },
                Column {
                    field: Date,
                    headers: &["诊断日期", "发生日期", "日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["疾病名称", "医疗机构", "说明", "detail"],
                    required: false,
                },
            ],
            Source::Veterans => &[
                ID_COLUMN,
                NAME_COLUMN,
                Column {
                    field: Date,
                    headers: &["认定日期", "登记日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["困难类型", "说明", "detail"],
                    required: false,
                },
            ],
            Source::TradeUnion => &[
                ID_COLUMN,
                NAME_COLUMN,
                Column {
                    field: Date,
                    headers: &["建档日期", "认定日期", "date"],
                    required: true,
                },
                Column {
                    field: Detail,
                    headers: &["困难类型", "工作单位", "detail"],
                    required: false,
                },
            ],
            Source::Court | Source::Procuratorate => &[
                ID_COLUMN,
                NAME_COLUMN,
                Column {
                    field: Date,
                    headers: &["决定日期", "救助日期", "date"],
                    required: true,
                },
                Column {
                    field: Amount,
                    headers: &["救助金额", "金额", "amount"],
                    required: false,
                },
                Column {
                    field: Detail,
                    headers: &["案号", "说明", "detail"],
                    required: false,
                },
            ],
        }
    }

    /// The event a row of this source records: fixed for single-purpose files, read from the
    /// 事项 column (by its usual Chinese words) for the others. `None` for medical settlements.
    fn event(self, raw: &str) -> Option<EventKind> {
        let t = raw.trim();
        let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
        match self {
            Source::MedicalInsurance => None,
            Source::DisabledPersons => Some(EventKind::DisabilityCertified),
            Source::HumanResources if has(&["失业"]) => Some(EventKind::Unemployed),
            Source::HumanResources if has(&["退休", "养老金"]) => Some(EventKind::Pension),
            Source::HumanResources if has(&["就业", "再就业"]) => Some(EventKind::Employed),
            Source::PublicSecurity if has(&["死亡"]) => Some(EventKind::Death),
            Source::PublicSecurity if has(&["迁出"]) => Some(EventKind::MovedOut),
            Source::PublicSecurity if has(&["迁入"]) => Some(EventKind::MovedIn),
            Source::Housing if has(&["危房"]) => Some(EventKind::UnsafeHousing),
            Source::Housing if has(&["不动产", "房产", "购房", "登记"]) => {
                Some(EventKind::PropertyRegistered)
            }
            Source::Education => Some(EventKind::Enrolled),
            Source::EmergencyManagement => Some(EventKind::DisasterVictim),
            Source::Vehicles => Some(EventKind::VehicleRegistered),
            Source::Businesses => Some(EventKind::BusinessRegistered),
            Source::RuralRevitalisation => Some(EventKind::RelapseWatchListed),
            Source::Justice if has(&["法律援助"]) => Some(EventKind::LegalAidGranted),
            Source::Justice if has(&["释放", "刑满", "解除"]) => Some(EventKind::Released),
            Source::Justice if has(&["羁押", "逮捕", "拘留", "服刑", "收监"]) => {
                Some(EventKind::Detained)
            }
            Source::Health if has(&["死亡"]) => Some(EventKind::Death),
            Source::Health if has(&["出生"]) => Some(EventKind::Born),
            Source::Health if has(&["大病", "重病", "重大疾病", "确诊"]) => {
                Some(EventKind::SeriousIllness)
            }
            Source::Veterans => Some(EventKind::VeteranInHardship),
            Source::TradeUnion => Some(EventKind::HardshipWorker),
            Source::Court | Source::Procuratorate => Some(EventKind::JudicialAssistance),
            _ => None,
        }
    }
}

coded! {
    /// What a department's row says happened to a person.
    pub enum EventKind {
        DisabilityCertified = "disability_certified",
        Unemployed = "unemployed",
        Employed = "employed",
        Pension = "pension",
        Death = "death",
        MovedOut = "moved_out",
        MovedIn = "moved_in",
        PropertyRegistered = "property_registered",
        UnsafeHousing = "unsafe_housing",
        Enrolled = "enrolled",
        DisasterVictim = "disaster_victim",
        VehicleRegistered = "vehicle_registered",
        BusinessRegistered = "business_registered",
        RelapseWatchListed = "relapse_watch_listed",
        /// 司法: legal aid granted (its economic criterion is hardship).
        LegalAidGranted = "legal_aid_granted",
        /// 司法: taken into custody or serving a sentence (the household may lose an earner).
        Detained = "detained",
        /// 司法: released (安置帮教: may need help to settle).
        Released = "released",
        /// 卫健: a serious illness diagnosed.
        SeriousIllness = "serious_illness",
        /// 卫健: born in hospital (kept for caseworkers: the household grew).
        Born = "born",
        /// 退役军人事务: recognised as a veteran in difficulty.
        VeteranInHardship = "veteran_in_hardship",
        /// 工会: on the hardship register of workers (困难职工).
        HardshipWorker = "hardship_worker",
        /// 法院 / 检察院: judicial assistance granted.
        JudicialAssistance = "judicial_assistance",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    IdNumber,
    Name,
    Date,
    Total,
    OutOfPocket,
    /// 事项: what happened (read by its usual words).
    Event,
    /// 残疾等级 1–4 (一级 is the most severe).
    Grade,
    /// An amount of money that describes the event (pension, loss, price, capital).
    Amount,
    /// A short description kept with the record (category, place, name).
    Detail,
    /// A roster's head of household (户主身份证号): the household a member belongs to.
    HeadIdNumber,
    /// 与户主关系.
    Relation,
    /// The village or community (12-digit 行政区划代码).
    Region,
    Address,
    Phone,
    /// 城乡类别: urban or rural (a roster's; Dibao standards differ between them).
    Residence,
    /// 供养方式: a Tekun person's centralised or dispersed support.
    SupportMode,
    /// 生活自理能力: a Tekun person's ability to look after themselves.
    CareNeed,
}

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub field: Field,
    pub headers: &'static [&'static str],
    pub required: bool,
}

/// Which column of the file holds each field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    positions: Vec<(Field, usize)>,
    pub width: usize,
    /// Headers that are not part of the template (reported, ignored).
    pub ignored: Vec<String>,
}

impl ColumnMap {
    pub fn get(&self, field: Field) -> Option<usize> {
        self.positions
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, i)| *i)
    }
}

/// Why a whole file is refused before any row is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum FileProblem {
    Empty,
    /// Neither UTF-8 nor GBK/GB18030 text.
    Encoding,
    /// A spreadsheet that cannot be read (damaged, not XLSX, or wider than 1000 columns).
    Unreadable,
    /// An XLSX whose table of texts is larger than one import reads into memory (such a sheet
    /// goes in as CSV, which is read as it streams).
    TooMuchText,
    MissingColumns {
        fields: Vec<Field>,
    },
    DuplicateColumn {
        header: String,
    },
}

/// Maps a header row onto the source's template (headers are trimmed; a UTF-8 BOM is ignored).
pub fn map_header(source: Source, header: &[String]) -> Result<ColumnMap, FileProblem> {
    map_columns(source.template(), header)
}

/// Which column of a file holds each field of `template` (a source's, or a roster's).
pub fn map_columns(template: &[Column], header: &[String]) -> Result<ColumnMap, FileProblem> {
    let clean: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    if clean.iter().all(String::is_empty) {
        return Err(FileProblem::Empty);
    }
    let mut positions = Vec::new();
    let mut missing = Vec::new();
    for col in template {
        let found: Vec<usize> = clean
            .iter()
            .enumerate()
            .filter(|(_, h)| col.headers.contains(&h.as_str()))
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [] if col.required => missing.push(col.field),
            [] => {}
            [i] => positions.push((col.field, *i)),
            [_, j, ..] => {
                return Err(FileProblem::DuplicateColumn {
                    header: clean[*j].clone(),
                })
            }
        }
    }
    if !missing.is_empty() {
        return Err(FileProblem::MissingColumns { fields: missing });
    }
    let ignored = clean
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.is_empty() && !positions.iter().any(|(_, p)| p == i))
        .map(|(_, h)| h.clone())
        .collect();
    Ok(ColumnMap {
        positions,
        width: clean.len(),
        ignored,
    })
}

/// Why one row was not taken (the row is reported, never dropped silently).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    IdFormat,
    /// The ID number came as a number (a spreadsheet column not formatted as text, or its
    /// scientific notation in a CSV): a number keeps 15 digits, so the last ones are lost and
    /// what is left may even be another person's valid number. Never taken.
    IdNotText,
    IdChecksum,
    IdBirthDate,
    DateFormat,
    DateInFuture,
    AmountFormat,
    AmountNegative,
    OutOfPocketOverTotal,
    CellTooLong,
    WrongFieldCount,
    /// The 事项 column says something this source's template does not know.
    EventUnknown,
    /// 残疾等级 is not 1–4 (一级 … 四级).
    GradeFormat,
    /// The same record twice in this file, or already imported.
    Duplicate,
    /// A roster's 行政区划代码 is not a village's or community's 12-digit code.
    RegionFormat,
    /// A roster's row lies outside the importer's region.
    RegionOutside,
    /// 与户主关系 is not one the roster knows.
    RelationUnknown,
    /// A roster's row without the person's name.
    NameMissing,
    /// A roster's 联系电话 is not a mobile number.
    PhoneFormat,
    /// A roster whose rows carry an amount (Dibao, Tekun) without one.
    AmountMissing,
    /// A roster's 城乡类别 is neither urban (城市) nor rural (农村).
    ResidenceUnknown,
    /// A roster's 供养方式 is neither 集中供养 nor 分散供养.
    SupportModeUnknown,
    /// A roster's 生活自理能力 is none of 全自理, 半护理 and 全护理 (or their longer names).
    CareNeedUnknown,
    /// The person is already a member of another household in the database.
    OtherHousehold,
    /// The head's own row says another relation, or two rows of one household disagree on its
    /// village.
    HouseholdMismatch,
}

/// A medical settlement, checked. Two are the same record when all four fields are (a
/// re-imported file adds nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MedicalRecord {
    pub id_number: IdNumber,
    pub date: NaiveDate,
    pub total_fen: i64,
    pub out_of_pocket_fen: i64,
}

/// A record's date in one of the ways departments write it; a year before 1900 is a typing
/// error, not a record (and would not fit the stored `YYYY-MM-DD`).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let t = raw.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .filter(|d| d.year() >= 1900)
}

pub(crate) fn id_of(raw: &str, today: NaiveDate) -> Result<IdNumber, RowProblem> {
    if looks_like_scientific(raw) {
        return Err(RowProblem::IdNotText);
    }
    IdNumber::parse(&raw.to_uppercase(), today).map_err(|e| match e {
        super::id_number::IdNumberError::Format => RowProblem::IdFormat,
        super::id_number::IdNumberError::Checksum => RowProblem::IdChecksum,
        super::id_number::IdNumberError::BirthDate => RowProblem::IdBirthDate,
    })
}

/// `6.2070219650315E+17`: how a spreadsheet writes a long number it holds as a number.
fn looks_like_scientific(raw: &str) -> bool {
    let t = raw.trim();
    match t.split_once(['E', 'e']) {
        Some((mantissa, exponent)) => {
            !mantissa.is_empty()
                && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && exponent
                    .trim_start_matches(['+', '-'])
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && !exponent.trim_start_matches(['+', '-']).is_empty()
        }
        None => false,
    }
}

pub(crate) fn amount_of(raw: &str) -> Result<i64, RowProblem> {
    if raw.is_empty() {
        return Err(RowProblem::AmountFormat);
    }
    Money::parse_yuan(raw, 100_000_000)
        .map(Money::fen)
        .map_err(|e| match e {
            super::money::MoneyError::Negative => RowProblem::AmountNegative,
            _ => RowProblem::AmountFormat,
        })
}

/// 残疾等级 as departments write it: `1`–`4`, `一级`–`四级`, `二`.
pub(crate) fn grade_of(raw: &str) -> Option<u8> {
    let t = raw.trim().trim_end_matches('级');
    match t {
        "1" | "一" => Some(1),
        "2" | "二" => Some(2),
        "3" | "三" => Some(3),
        "4" | "四" => Some(4),
        _ => None,
    }
}

/// The checks every row gets: width, cell length, the ID number and the date.
fn common(
    map: &ColumnMap,
    row: &[&str],
    today: NaiveDate,
) -> Result<(IdNumber, NaiveDate), RowProblem> {
    if row.len() != map.width {
        return Err(RowProblem::WrongFieldCount);
    }
    if row.iter().any(|c| c.chars().count() > MAX_CELL_CHARS) {
        return Err(RowProblem::CellTooLong);
    }
    let cell = |f: Field| map.get(f).map(|i| row[i].trim()).unwrap_or("");
    let id_number = id_of(cell(Field::IdNumber), today)?;
    let date = parse_date(cell(Field::Date)).ok_or(RowProblem::DateFormat)?;
    if date > today {
        return Err(RowProblem::DateInFuture);
    }
    Ok((id_number, date))
}

/// Checks one medical settlement row against the column map.
pub fn medical_row(
    map: &ColumnMap,
    row: &[&str],
    today: NaiveDate,
) -> Result<MedicalRecord, RowProblem> {
    let (id_number, date) = common(map, row, today)?;
    let cell = |f: Field| map.get(f).map(|i| row[i].trim()).unwrap_or("");
    let total_fen = amount_of(cell(Field::Total))?;
    let out_of_pocket_fen = amount_of(cell(Field::OutOfPocket))?;
    if out_of_pocket_fen > total_fen {
        return Err(RowProblem::OutOfPocketOverTotal);
    }
    Ok(MedicalRecord {
        id_number,
        date,
        total_fen,
        out_of_pocket_fen,
    })
}

/// A department's record of something that happened to a person, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub source: Source,
    pub id_number: IdNumber,
    pub event: EventKind,
    pub date: NaiveDate,
    pub grade: Option<u8>,
    pub amount_fen: Option<i64>,
    pub detail: String,
}

impl EventRecord {
    /// What makes two rows the same record: a re-imported file adds nothing.
    pub fn key(&self) -> String {
        self.key_with(self.id_number.as_str())
    }

    /// The same, with the person as `person` (the store keys records by the ID number's keyed
    /// digest, so that the key holds no ID number).
    pub fn key_with(&self, person: &str) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}",
            self.source.code(),
            person,
            self.event.code(),
            self.date,
            self.grade.map(|g| g.to_string()).unwrap_or_default(),
            self.amount_fen.map(|a| a.to_string()).unwrap_or_default(),
            self.detail
        )
    }
}

/// Checks one row of a non-medical source against the column map.
pub fn event_row(
    source: Source,
    map: &ColumnMap,
    row: &[&str],
    today: NaiveDate,
) -> Result<EventRecord, RowProblem> {
    let (id_number, date) = common(map, row, today)?;
    let cell = |f: Field| map.get(f).map(|i| row[i].trim()).unwrap_or("");
    let event = source
        .event(cell(Field::Event))
        .ok_or(RowProblem::EventUnknown)?;
    let grade = match map.get(Field::Grade) {
        Some(_) => Some(grade_of(cell(Field::Grade)).ok_or(RowProblem::GradeFormat)?),
        None => None,
    };
    let amount_fen = match cell(Field::Amount) {
        "" => None,
        raw => Some(amount_of(raw)?),
    };
    Ok(EventRecord {
        source,
        id_number,
        event,
        date,
        grade,
        amount_fen,
        detail: cell(Field::Detail).to_string(),
    })
}

coded! {
    /// How an import ended: stored whole (`Done`), or refused whole with nothing stored.
    pub enum ImportStatus {
        Done = "done",
        Refused = "refused",
    }
}

coded! {
    /// 预警级别: I is the most urgent.
    #[derive(PartialOrd, Ord)]
    pub enum WarningLevel {
        I = "I",
        II = "II",
        III = "III",
    }
}

impl WarningLevel {
    /// One level more urgent (I stays I).
    pub fn more_urgent(self) -> Self {
        match self {
            WarningLevel::III => WarningLevel::II,
            WarningLevel::II | WarningLevel::I => WarningLevel::I,
        }
    }
}

/// Zhangye (六) "密切关注全部或部分丧失劳动能力的低收入人口": a warning about a household with a
/// member who has lost all or part of their labour capacity (by its accepted declaration) is
/// raised one level (I stays I); its trigger says why (`labour_priority`).
pub fn with_labour_priority(mut rule: WarningRule, lost_labour: bool) -> WarningRule {
    if lost_labour {
        rule.level = rule.level.more_urgent();
    }
    rule
}

coded! {
    /// The warning rules. Each is a row an administrator edits (level, visit deadline, threshold).
    pub enum RuleKind {
        /// Medical out-of-pocket spending over an amount in 12 months (threshold: fen).
        MedicalOutOfPocket = "medical_out_of_pocket",
        /// Medical out-of-pocket spending over a share of the household's declared yearly income
        /// in 12 months (threshold: percent).
        MedicalShareOfIncome = "medical_share_of_income",
        /// A new disability certificate of a severe grade (threshold: the least severe grade that
        /// counts, 2 = grades 一级 and 二级).
        SevereDisability = "severe_disability",
        /// A member's death.
        Death = "death",
        /// A member registered unemployed when no other member of the household works (per the
        /// latest declaration).
        OnlyEarnerUnemployed = "only_earner_unemployed",
        /// A member listed as a disaster victim.
        Disaster = "disaster",
        /// A new vehicle, business or property registration: possibly no longer eligible.
        NewAsset = "new_asset",
        /// Listed for relapse watch (防止返贫监测).
        RelapseWatch = "relapse_watch",
        /// A member enrolled in school (就学, Zhangye (六)): the costs of schooling may bring
        /// hardship, and education assistance may be due.
        Enrolment = "enrolment",
        /// 政策找人: the household's latest assessment entitles it to assistance its chain does not
        /// show (found by a daily scan with the assessment engine's entitlements).
        EntitledNotReceived = "entitled_not_received",
        /// 卫健: a member diagnosed with a serious illness (大病): costs and lost work may follow.
        SeriousIllness = "serious_illness",
        /// 司法: a member taken into custody or released (服刑人员家庭, 刑满释放人员).
        Custody = "custody",
        /// Another department recognised a member's hardship: legal aid, a veteran in
        /// difficulty, a worker on the union's hardship register, judicial assistance.
        HardshipRecognised = "hardship_recognised",
    }
}

impl RuleKind {
    /// What the threshold of the rule means, and the values an administrator may give it.
    pub fn threshold(self) -> Threshold {
        match self {
            RuleKind::MedicalOutOfPocket => Threshold::Fen { max: 100_000_000 },
            RuleKind::MedicalShareOfIncome => Threshold::Percent { max: 1000 },
            RuleKind::SevereDisability => Threshold::Grade,
            _ => Threshold::None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Threshold {
    /// An amount in fen, 1 ..= max.
    Fen { max: i64 },
    /// A percentage, 1 ..= max.
    Percent { max: i64 },
    /// A disability grade, 1 ..= 4.
    Grade,
    /// The rule has no threshold (stored as 0).
    None,
}

impl Threshold {
    pub fn accepts(self, value: i64) -> bool {
        match self {
            Threshold::Fen { max } | Threshold::Percent { max } => (1..=max).contains(&value),
            Threshold::Grade => (1..=4).contains(&value),
            Threshold::None => value == 0,
        }
    }
}

/// Bounds of a rule's home-visit deadline (days).
pub const VISIT_DAYS: std::ops::RangeInclusive<i64> = 1..=90;

/// A rule as stored: shipped values are examples until an administrator confirms them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRule {
    pub kind: RuleKind,
    pub level: WarningLevel,
    /// Days within which the household must be visited.
    pub visit_days: i64,
    /// What triggers the rule, in the unit `kind.threshold()` names (0 when it has none).
    pub threshold: i64,
    /// Off: the rule raises nothing (an administrator may switch a rule off, not delete it).
    pub enabled: bool,
    pub example: bool,
    /// The region an administrator set it for: it applies to households in that region's
    /// subtree, a more specific region's rule of the same kind overriding it. `None`: the
    /// deployment's default (the shipped examples), where no region has its own.
    #[serde(default)]
    pub region: Option<super::region::RegionCode>,
}

/// The rules that apply to a household in `region`: of each kind, the rule set for the most
/// specific region holding it, else the deployment's default (at most one per kind).
pub fn rules_for(rules: &[WarningRule], region: &super::region::RegionCode) -> Vec<WarningRule> {
    let mut best: Vec<&WarningRule> = Vec::new();
    for rule in rules {
        let depth = match &rule.region {
            None => 0,
            Some(r) if region.is_within(r) => r.prefix().len(),
            Some(_) => continue,
        };
        match best.iter_mut().find(|b| b.kind == rule.kind) {
            Some(b) => {
                if depth > b.region.as_ref().map_or(0, |r| r.prefix().len()) {
                    *b = rule;
                }
            }
            None => best.push(rule),
        }
    }
    best.into_iter().cloned().collect()
}

impl WarningRule {
    /// Field checks for an administrator's edit.
    pub fn check(&self) -> Result<(), super::declaration::FieldError> {
        use super::declaration::{FieldError, FieldErrorCode};
        if !VISIT_DAYS.contains(&self.visit_days) {
            return Err(FieldError {
                field: "visit_days".into(),
                code: FieldErrorCode::OutOfBounds,
            });
        }
        if !self.kind.threshold().accepts(self.threshold) {
            return Err(FieldError {
                field: "threshold".into(),
                code: FieldErrorCode::OutOfBounds,
            });
        }
        Ok(())
    }
}

/// The example rules shipped for demonstrations (labelled as examples everywhere).
pub fn example_rules() -> Vec<WarningRule> {
    let rule = |kind, level, visit_days, threshold| WarningRule {
        kind,
        level,
        visit_days,
        threshold,
        enabled: true,
        example: true,
        region: None,
    };
    vec![
        rule(
            RuleKind::MedicalOutOfPocket,
            WarningLevel::II,
            15,
            2_000_000,
        ),
        rule(RuleKind::MedicalShareOfIncome, WarningLevel::II, 15, 50),
        rule(RuleKind::SevereDisability, WarningLevel::II, 15, 2),
        rule(RuleKind::Death, WarningLevel::III, 30, 0),
        rule(RuleKind::OnlyEarnerUnemployed, WarningLevel::I, 7, 0),
        rule(RuleKind::Disaster, WarningLevel::I, 3, 0),
        rule(RuleKind::NewAsset, WarningLevel::III, 30, 0),
        rule(RuleKind::RelapseWatch, WarningLevel::II, 15, 0),
        rule(RuleKind::EntitledNotReceived, WarningLevel::II, 30, 0),
        rule(RuleKind::Enrolment, WarningLevel::III, 30, 0),
        rule(RuleKind::SeriousIllness, WarningLevel::II, 15, 0),
        rule(RuleKind::Custody, WarningLevel::III, 30, 0),
        rule(RuleKind::HardshipRecognised, WarningLevel::II, 15, 0),
    ]
}

/// What fired a medical warning: the 12 months and the sum, in the words of the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalTrigger {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub out_of_pocket_fen: i64,
    pub settlements: i64,
    /// The amount exceeded (the amount rule), or the share of `yearly_income_fen` (the share rule).
    pub threshold_fen: i64,
    /// Share rule only: the percentage and the household's declared yearly income.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<(i64, i64)>,
    /// Raised a level: a member lost labour capacity ([`with_labour_priority`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub labour_priority: bool,
}

/// The 12 months ending `today` (inclusive), as the medical rule counts them.
pub fn twelve_months(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        today
            .checked_sub_months(chrono::Months::new(12))
            .unwrap_or(today)
            + chrono::Days::new(1),
        today,
    )
}

/// A household's medical settlements in a 12-month window, as the store sums them, with the
/// monthly income it declared (for the share rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MedicalSums {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub out_of_pocket_fen: i64,
    pub settlements: i64,
    pub monthly_income_fen: Option<i64>,
    /// A member has lost all or part of their labour capacity ([`with_labour_priority`]).
    pub lost_labour: bool,
}

/// The medical rules (Zhangye (六): 重病 by out-of-pocket spending, absolute or as a share of
/// income) on one household's sums: each enabled rule that fires, with what fired it. The
/// amount rule fires above its threshold; the share rule above `threshold` percent of the
/// yearly income (monthly × 12), and never for a household without a declared income.
pub fn medical_warnings(
    rules: &[WarningRule],
    sums: &MedicalSums,
) -> Vec<(WarningRule, MedicalTrigger)> {
    let total = sums.out_of_pocket_fen;
    let trigger = |threshold_fen, share| MedicalTrigger {
        from: sums.from,
        to: sums.to,
        out_of_pocket_fen: total,
        settlements: sums.settlements,
        threshold_fen,
        share,
        labour_priority: sums.lost_labour,
    };
    let rule_of = |r: &WarningRule| with_labour_priority(r.clone(), sums.lost_labour);
    let mut fired = Vec::new();
    if let Some(rule) = rules
        .iter()
        .find(|r| r.enabled && r.kind == RuleKind::MedicalOutOfPocket)
    {
        if total > rule.threshold {
            fired.push((rule_of(rule), trigger(rule.threshold, None)));
        }
    }
    if let Some(rule) = rules
        .iter()
        .find(|r| r.enabled && r.kind == RuleKind::MedicalShareOfIncome)
    {
        let income = sums.monthly_income_fen.unwrap_or(0);
        let yearly = income.saturating_mul(12);
        if income > 0 && total.saturating_mul(100) > yearly.saturating_mul(rule.threshold) {
            let threshold_fen = share_of_income(income, rule.threshold);
            fired.push((
                rule_of(rule),
                trigger(threshold_fen, Some((rule.threshold, yearly))),
            ));
        }
    }
    fired
}

/// What a household's 12-month sums must exceed for `medical_warnings` to have anything to
/// decide: the store leaves out the touched households below it, so a large file does not
/// carry every household's sums back (a screen, never a decision: the rules above decide, and
/// a test holds that the screen admits every household they would warn).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MedicalScreen {
    /// Out-of-pocket fen above which the amount rule may fire; `i64::MAX` when it is off.
    pub out_of_pocket_over: i64,
    /// The share rule's percent of the yearly income; `-1` when it is off.
    pub share_percent: i64,
}

impl MedicalScreen {
    /// The screen of every region's rules at once: the lowest enabled threshold of each kind
    /// (the loosest), so it admits whatever any household's own rules could fire on.
    pub fn of(rules: &[WarningRule]) -> Self {
        let lowest = |kind| {
            rules
                .iter()
                .filter(|r| r.enabled && r.kind == kind)
                .map(|r| r.threshold)
                .min()
        };
        MedicalScreen {
            out_of_pocket_over: lowest(RuleKind::MedicalOutOfPocket).unwrap_or(i64::MAX),
            share_percent: lowest(RuleKind::MedicalShareOfIncome).unwrap_or(-1),
        }
    }

    /// The store's condition, in Rust: `total > over OR (percent >= 0 AND income > 0 AND
    /// total × 100 > income × 12 × percent)`.
    pub fn admits(self, out_of_pocket_fen: i64, monthly_income_fen: Option<i64>) -> bool {
        let income = monthly_income_fen.unwrap_or(0);
        out_of_pocket_fen > self.out_of_pocket_over
            || (self.share_percent >= 0
                && income > 0
                && out_of_pocket_fen.saturating_mul(100)
                    > income.saturating_mul(12).saturating_mul(self.share_percent))
    }
}

/// The medical amount rule on a household's settlements in the 12 months to `today`.
pub fn medical_warning(
    rule: &WarningRule,
    records: &[(NaiveDate, i64)],
    today: NaiveDate,
) -> Option<MedicalTrigger> {
    let (from, to) = twelve_months(today);
    let inside: Vec<i64> = records
        .iter()
        .filter(|(d, _)| *d >= from && *d <= to)
        .map(|(_, f)| *f)
        .collect();
    let sums = MedicalSums {
        from,
        to,
        out_of_pocket_fen: inside.iter().sum(),
        settlements: inside.len() as i64,
        monthly_income_fen: None,
        lost_labour: false,
    };
    medical_warnings(std::slice::from_ref(rule), &sums)
        .pop()
        .map(|(_, t)| t)
}

/// The amount a share rule compares with: `percent` of the yearly income (monthly × 12), in fen.
pub fn share_of_income(monthly_income_fen: i64, percent: i64) -> i64 {
    monthly_income_fen
        .saturating_mul(12)
        .saturating_mul(percent)
        / 100
}

/// What fired a warning on a department's record: the record itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTrigger {
    pub source: Source,
    pub event: EventKind,
    /// The person concerned, masked (`620702********1234`).
    pub person: String,
    pub date: NaiveDate,
    pub grade: Option<u8>,
    pub amount_fen: Option<i64>,
    pub detail: String,
    /// Raised a level: a member lost labour capacity ([`with_labour_priority`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub labour_priority: bool,
}

/// What fired a "policy finds the person" warning: the assistance the household is entitled to
/// by its latest assessment (and through which category) that no aid in its chain covers today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitlementTrigger {
    pub missed: Vec<(super::chain::AidKind, super::policy::Category)>,
}

/// The "policy finds the person" rule on a household's chain flags.
pub fn entitlement_warning(
    rules: &[WarningRule],
    flags: &[super::chain::Flag],
) -> Option<(WarningRule, EntitlementTrigger)> {
    let rule = rules
        .iter()
        .find(|r| r.kind == RuleKind::EntitledNotReceived && r.enabled)?;
    let missed: Vec<_> = flags
        .iter()
        .filter_map(|f| match f {
            super::chain::Flag::Missed { kind, via, .. } => Some((*kind, *via)),
            _ => None,
        })
        .collect();
    (!missed.is_empty()).then(|| (rule.clone(), EntitlementTrigger { missed }))
}

/// What the household's latest declaration says about who works, for the only-earner rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HouseholdWork {
    /// ID numbers of members whose declared work status earns (employed, farming, self-employed).
    pub earners: Vec<String>,
}

impl HouseholdWork {
    pub fn of(declaration: &super::declaration::Declaration) -> Self {
        use super::declaration::WorkStatus;
        HouseholdWork {
            earners: declaration
                .members
                .iter()
                .filter(|m| {
                    matches!(
                        m.work_status,
                        WorkStatus::Employed | WorkStatus::Farming | WorkStatus::SelfEmployed
                    )
                })
                .map(|m| m.id_number.as_str().to_string())
                .collect(),
        }
    }
}

/// The rule a department's record fires, if any, with its facts. `work` is needed only for an
/// unemployment record (`None`: the household's declaration is not known, nothing fires).
/// `lost_labour`: a member of the household lost labour capacity ([`with_labour_priority`]).
pub fn event_warning(
    rules: &[WarningRule],
    record: &EventRecord,
    work: Option<&HouseholdWork>,
    lost_labour: bool,
) -> Option<(WarningRule, EventTrigger)> {
    let kind = match record.event {
        EventKind::DisabilityCertified => RuleKind::SevereDisability,
        EventKind::Death => RuleKind::Death,
        EventKind::Unemployed => RuleKind::OnlyEarnerUnemployed,
        EventKind::DisasterVictim => RuleKind::Disaster,
        EventKind::VehicleRegistered
        | EventKind::BusinessRegistered
        | EventKind::PropertyRegistered => RuleKind::NewAsset,
        EventKind::RelapseWatchListed => RuleKind::RelapseWatch,
        EventKind::Enrolled => RuleKind::Enrolment,
        EventKind::SeriousIllness => RuleKind::SeriousIllness,
        EventKind::Detained | EventKind::Released => RuleKind::Custody,
        EventKind::LegalAidGranted
        | EventKind::VeteranInHardship
        | EventKind::HardshipWorker
        | EventKind::JudicialAssistance => RuleKind::HardshipRecognised,
        // Kept in the record for caseworkers; no rule of their own yet.
        EventKind::Born
        | EventKind::Employed
        | EventKind::Pension
        | EventKind::MovedOut
        | EventKind::MovedIn
        | EventKind::UnsafeHousing => return None,
    };
    let rule = rules.iter().find(|r| r.kind == kind && r.enabled)?;
    let fires = match kind {
        RuleKind::SevereDisability => record.grade.is_some_and(|g| i64::from(g) <= rule.threshold),
        RuleKind::OnlyEarnerUnemployed => {
            work.is_some_and(|w| !w.earners.iter().any(|e| e != record.id_number.as_str()))
        }
        _ => true,
    };
    fires.then(|| {
        (
            with_labour_priority(rule.clone(), lost_labour),
            EventTrigger {
                source: record.source,
                event: record.event,
                person: record.id_number.masked(),
                date: record.date,
                grade: record.grade,
                amount_fen: record.amount_fen,
                detail: record.detail.clone(),
                labour_priority: lost_labour,
            },
        )
    })
}

coded! {
    /// Where a warning stands: new → assigned → visited → disposed → closed.
    pub enum WarningStatus {
        New = "new",
        Assigned = "assigned",
        Visited = "visited",
        Disposed = "disposed",
        Closed = "closed",
    }
}

coded! {
    /// What the home visit found (入户核实).
    pub enum Finding {
        /// The situation is as the data says.
        Confirmed = "confirmed",
        /// It is not (wrong person, already resolved …).
        Refuted = "refuted",
        /// The household belongs in another category.
        Reclassified = "reclassified",
    }
}

coded! {
    /// 分类处置: what is done about a visited warning.
    pub enum Disposal {
        StartAssistance = "start_assistance",
        ChangeAssistance = "change_assistance",
        Referral = "referral",
        /// No action; the note says why.
        NoAction = "no_action",
    }
}

/// One step of a warning's handling, as a caseworker records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WarningStep {
    /// Taken on by the caller.
    Assign,
    /// The home visit, on a day no later than today.
    Visit {
        on: NaiveDate,
        finding: Finding,
        note: String,
    },
    Dispose {
        disposal: Disposal,
        note: String,
    },
    Close,
}

impl WarningStep {
    /// The state after the step, if the step is allowed from `from`. A visit may be recorded
    /// without assigning first (the caseworker who went is the one who records it).
    pub fn next(&self, from: WarningStatus) -> Option<WarningStatus> {
        use WarningStatus::*;
        match (self, from) {
            (WarningStep::Assign, New) => Some(Assigned),
            (WarningStep::Visit { .. }, New | Assigned) => Some(Visited),
            (WarningStep::Dispose { .. }, Visited) => Some(Disposed),
            (WarningStep::Close, Disposed) => Some(Closed),
            _ => None,
        }
    }

    /// Field checks: a visit cannot be in the future; "no action" needs its reason.
    pub fn check(&self, today: NaiveDate) -> Result<(), super::declaration::FieldError> {
        use super::declaration::{FieldError, FieldErrorCode};
        let err = |field: &str, code| {
            Err(FieldError {
                field: field.into(),
                code,
            })
        };
        match self {
            WarningStep::Visit { on, note, .. } => {
                if *on > today {
                    return err("visited_on", FieldErrorCode::DateInFuture);
                }
                if note.chars().count() > 1000 {
                    return err("note", FieldErrorCode::TooLong);
                }
            }
            WarningStep::Dispose { disposal, note } => {
                if *disposal == Disposal::NoAction && note.trim().is_empty() {
                    return err("note", FieldErrorCode::Required);
                }
                if note.chars().count() > 1000 {
                    return err("note", FieldErrorCode::TooLong);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Handled on time: visited no later than the visit deadline.
pub fn on_time(visited_on: Option<NaiveDate>, visit_due: NaiveDate) -> bool {
    visited_on.is_some_and(|v| v <= visit_due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_households_rules_are_its_most_specific_regions_and_the_screen_the_loosest() {
        use crate::domain::region::RegionCode;
        let rule = |threshold, region: Option<&str>| WarningRule {
            kind: RuleKind::MedicalOutOfPocket,
            level: WarningLevel::II,
            visit_days: 7,
            threshold,
            enabled: true,
            example: false,
            region: region.map(|r| RegionCode::parse(r).unwrap()),
        };
        let death = WarningRule {
            kind: RuleKind::Death,
            ..rule(0, None)
        };
        // Deployment default 20 000 yuan; Zhangye city 10 000; Ganzhou county 30 000; Lanzhou 5 000.
        let rules = vec![
            rule(2_000_000, None),
            rule(1_000_000, Some("6207")),
            rule(3_000_000, Some("620702")),
            rule(500_000, Some("6201")),
            death,
        ];
        let threshold = |village: &str| {
            let mine = rules_for(&rules, &RegionCode::parse(village).unwrap());
            assert_eq!(mine.len(), 2, "one rule per kind");
            assert!(mine.iter().any(|r| r.kind == RuleKind::Death));
            mine.iter()
                .find(|r| r.kind == RuleKind::MedicalOutOfPocket)
                .unwrap()
                .threshold
        };
        assert_eq!(threshold("620702100201"), 3_000_000, "the county's own");
        assert_eq!(
            threshold("620722100201"),
            1_000_000,
            "another county: the city's"
        );
        assert_eq!(
            threshold("620102100201"),
            500_000,
            "Lanzhou's, never Zhangye's"
        );
        assert_eq!(
            threshold("210102100201"),
            2_000_000,
            "elsewhere: the default"
        );
        assert_eq!(MedicalScreen::of(&rules).out_of_pocket_over, 500_000);
    }

    #[test]
    fn the_store_s_medical_screen_admits_every_household_the_medical_rules_warn() {
        let rule = |kind, threshold, enabled| WarningRule {
            kind,
            level: WarningLevel::II,
            visit_days: 7,
            threshold,
            enabled,
            example: false,
            region: None,
        };
        let (from, to) = twelve_months(day("2026-11-30"));
        let mut warned = 0;
        for (amount, share) in [
            (Some(0), None),
            (Some(500_000), Some(30)),
            (None, Some(0)),
            (None, Some(50)),
            (None, None),
        ] {
            let rules = vec![
                rule(
                    RuleKind::MedicalOutOfPocket,
                    amount.unwrap_or(100),
                    amount.is_some(),
                ),
                rule(
                    RuleKind::MedicalShareOfIncome,
                    share.unwrap_or(30),
                    share.is_some(),
                ),
            ];
            let screen = MedicalScreen::of(&rules);
            for total in [0, 1, 99_999, 100_000, 499_999, 500_000, 500_001, 9_000_000] {
                for income in [
                    None,
                    Some(0),
                    Some(1),
                    Some(50_000),
                    Some(150_000),
                    Some(1_000_000),
                ] {
                    let sums = MedicalSums {
                        from,
                        to,
                        out_of_pocket_fen: total,
                        settlements: 1,
                        monthly_income_fen: income,
                        lost_labour: false,
                    };
                    let fired = !medical_warnings(&rules, &sums).is_empty();
                    warned += usize::from(fired);
                    assert!(
                        !fired || screen.admits(total, income),
                        "{amount:?} {share:?} {total} {income:?}"
                    );
                    // And the screen lets through only what can fire (it saves the work).
                    assert_eq!(
                        fired,
                        screen.admits(total, income),
                        "{amount:?} {share:?} {total} {income:?}"
                    );
                }
            }
        }
        assert!(warned > 50, "{warned}");
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    fn valid_id() -> String {
        // Computed so the check character is right for 62070219700101001.
        let first17 = "62070219700101001";
        format!(
            "{first17}{}",
            crate::domain::id_number::check_char(first17).unwrap()
        )
    }

    #[test]
    fn headers_map_by_any_alias_and_extra_columns_are_named() {
        let map = map_header(
            Source::MedicalInsurance,
            &header(&[
                "\u{feff}姓名",
                "公民身份号码",
                "就诊日期",
                "总费用",
                "个人负担",
                "医院",
            ]),
        )
        .unwrap();
        assert_eq!(
            (
                map.get(Field::IdNumber),
                map.get(Field::OutOfPocket),
                map.ignored.clone()
            ),
            (Some(1), Some(4), vec!["医院".to_string()])
        );
        assert_eq!(
            map_header(Source::MedicalInsurance, &header(&["身份证号", "总费用"])),
            Err(FileProblem::MissingColumns {
                fields: vec![Field::Date, Field::OutOfPocket]
            })
        );
        assert_eq!(
            map_header(Source::MedicalInsurance, &header(&["", " "])),
            Err(FileProblem::Empty)
        );
        assert_eq!(
            map_header(
                Source::MedicalInsurance,
                &header(&["身份证号", "证件号码", "结算日期", "总费用", "个人自付"])
            ),
            Err(FileProblem::DuplicateColumn {
                header: "证件号码".into()
            })
        );
    }

    #[test]
    fn rows_are_checked_field_by_field() {
        let map = map_header(
            Source::MedicalInsurance,
            &header(&["身份证号", "结算日期", "医疗总费用", "个人自付"]),
        )
        .unwrap();
        let today = day("2026-11-26");
        let id = valid_id();
        let ok = medical_row(&map, &[&id, "2026/03/05", "12,000.50", "8000"], today).unwrap();
        assert_eq!(
            (ok.date, ok.total_fen, ok.out_of_pocket_fen),
            (day("2026-03-05"), 1_200_050, 800_000)
        );
        let bad = |row: &[&str]| medical_row(&map, row, today).unwrap_err();
        let wrong_check = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
        assert_eq!(
            bad(&[&wrong_check, "2026-03-05", "1", "1"]),
            RowProblem::IdChecksum
        );
        assert_eq!(bad(&["1234", "2026-03-05", "1", "1"]), RowProblem::IdFormat);
        // A spreadsheet's number in a CSV: its last digits are gone, so it is never an ID.
        for sci in ["6.2070219650315E+17", "6.2070219650315e17", "6E+17"] {
            assert_eq!(
                bad(&[sci, "2026-03-05", "1", "1"]),
                RowProblem::IdNotText,
                "{sci}"
            );
        }
        assert_eq!(
            bad(&[&id, "2026-03-05", "12,50", "1"]),
            RowProblem::AmountFormat
        );
        assert_eq!(bad(&[&id, "05.03.2026", "1", "1"]), RowProblem::DateFormat);
        assert_eq!(bad(&[&id, "0206-03-05", "1", "1"]), RowProblem::DateFormat);
        assert_eq!(bad(&[&id, "-2026-03-05", "1", "1"]), RowProblem::DateFormat);
        assert_eq!(
            bad(&[&id, "2027-01-01", "1", "1"]),
            RowProblem::DateInFuture
        );
        assert_eq!(
            bad(&[&id, "2026-03-05", "-1", "0"]),
            RowProblem::AmountNegative
        );
        assert_eq!(
            bad(&[&id, "2026-03-05", "abc", "0"]),
            RowProblem::AmountFormat
        );
        assert_eq!(
            bad(&[&id, "2026-03-05", "100", "200"]),
            RowProblem::OutOfPocketOverTotal
        );
        assert_eq!(
            bad(&[&id, "2026-03-05", "100"]),
            RowProblem::WrongFieldCount
        );
        assert_eq!(
            bad(&[&id, &"长".repeat(201), "1", "1"]),
            RowProblem::CellTooLong
        );
    }

    #[test]
    fn warnings_move_forward_only_and_no_action_needs_a_reason() {
        use WarningStatus::*;
        let today = day("2026-11-26");
        let visit = WarningStep::Visit {
            on: today,
            finding: Finding::Confirmed,
            note: String::new(),
        };
        assert_eq!(
            (
                WarningStep::Assign.next(New),
                visit.next(New),
                visit.next(Assigned)
            ),
            (Some(Assigned), Some(Visited), Some(Visited))
        );
        assert_eq!(
            (
                visit.next(Visited),
                WarningStep::Close.next(Visited),
                WarningStep::Assign.next(Closed)
            ),
            (None, None, None)
        );
        let no_action = WarningStep::Dispose {
            disposal: Disposal::NoAction,
            note: " ".into(),
        };
        assert_eq!(no_action.check(today).unwrap_err().field, "note");
        assert!(WarningStep::Visit {
            on: day("2026-11-27"),
            finding: Finding::Refuted,
            note: String::new()
        }
        .check(today)
        .is_err());
        assert!(
            on_time(Some(day("2026-12-01")), day("2026-12-01"))
                && !on_time(Some(day("2026-12-02")), day("2026-12-01"))
                && !on_time(None, day("2026-12-01"))
        );
    }

    #[test]
    fn the_medical_rule_sums_twelve_months_and_fires_above_the_threshold() {
        let rule = example_rules().remove(0);
        let today = day("2026-11-26");
        let records = [
            (day("2025-11-26"), 1_500_000),
            (day("2025-11-27"), 1_000_000),
            (day("2026-06-01"), 1_000_001),
        ];
        let t = medical_warning(&rule, &records, today).unwrap();
        assert_eq!(
            (t.from, t.out_of_pocket_fen, t.settlements),
            (day("2025-11-27"), 2_000_001, 2),
            "the first settlement is outside the 12 months"
        );
        assert_eq!(
            medical_warning(&rule, &records[..2], today),
            None,
            "10 000 yuan is not over 20 000"
        );
    }

    #[test]
    fn the_share_rule_compares_with_the_yearly_income_and_needs_one() {
        let rules = example_rules();
        let (from, to) = twelve_months(day("2026-11-26"));
        // 50 % of a yearly income of 12 × 2 000 yuan is 12 000 yuan; the amount rule's 20 000 is not reached.
        let sums = |own, income| MedicalSums {
            from,
            to,
            out_of_pocket_fen: own,
            settlements: 3,
            monthly_income_fen: income,
            lost_labour: false,
        };
        let fired = medical_warnings(&rules, &sums(1_200_001, Some(200_000)));
        assert_eq!(fired.len(), 1);
        assert_eq!(
            (fired[0].0.kind, fired[0].1.threshold_fen, fired[0].1.share),
            (
                RuleKind::MedicalShareOfIncome,
                1_200_000,
                Some((50, 2_400_000))
            )
        );
        assert!(
            medical_warnings(&rules, &sums(1_200_000, Some(200_000))).is_empty(),
            "exactly half is not over half"
        );
        assert!(
            medical_warnings(&rules, &sums(1_900_000, None)).is_empty(),
            "no declared income: no share rule"
        );
        let both = medical_warnings(&rules, &sums(2_000_001, Some(200_000)));
        assert_eq!(
            both.iter().map(|(r, _)| r.kind).collect::<Vec<_>>(),
            [RuleKind::MedicalOutOfPocket, RuleKind::MedicalShareOfIncome]
        );
        // Zhangye (六): a household with a member who lost labour capacity is warned a level
        // more urgently (the examples' II becomes I), and the trigger says why.
        assert!(both
            .iter()
            .all(|(r, t)| r.level == WarningLevel::II && !t.labour_priority));
        let lost = MedicalSums {
            lost_labour: true,
            ..sums(2_000_001, Some(200_000))
        };
        let raised = medical_warnings(&rules, &lost);
        assert_eq!(raised.len(), 2);
        assert!(raised
            .iter()
            .all(|(r, t)| r.level == WarningLevel::I && t.labour_priority));
    }

    #[test]
    fn department_rows_name_their_event_and_bad_ones_say_why() {
        let today = day("2026-11-26");
        let id = valid_id();
        let dpf = map_header(
            Source::DisabledPersons,
            &header(&["身份证号", "发证日期", "残疾等级", "残疾类别"]),
        )
        .unwrap();
        let r = event_row(
            Source::DisabledPersons,
            &dpf,
            &[&id, "2026-10-01", "二级", "肢体"],
            today,
        )
        .unwrap();
        assert_eq!(
            (r.event, r.grade, r.detail.as_str()),
            (EventKind::DisabilityCertified, Some(2), "肢体")
        );
        assert_eq!(
            event_row(
                Source::DisabledPersons,
                &dpf,
                &[&id, "2026-10-01", "五级", ""],
                today
            ),
            Err(RowProblem::GradeFormat)
        );
        let hr = map_header(
            Source::HumanResources,
            &header(&["身份证号", "事项", "登记日期"]),
        )
        .unwrap();
        assert_eq!(
            event_row(
                Source::HumanResources,
                &hr,
                &[&id, "失业登记", "2026-11-01"],
                today
            )
            .unwrap()
            .event,
            EventKind::Unemployed
        );
        assert_eq!(
            event_row(
                Source::HumanResources,
                &hr,
                &[&id, "办理退休", "2026-11-01"],
                today
            )
            .unwrap()
            .event,
            EventKind::Pension
        );
        assert_eq!(
            event_row(
                Source::HumanResources,
                &hr,
                &[&id, "参军", "2026-11-01"],
                today
            ),
            Err(RowProblem::EventUnknown)
        );
        let ps = map_header(
            Source::PublicSecurity,
            &header(&["公民身份号码", "注销原因", "注销日期"]),
        )
        .unwrap();
        assert_eq!(
            event_row(
                Source::PublicSecurity,
                &ps,
                &[&id, "死亡", "2026-11-20"],
                today
            )
            .unwrap()
            .event,
            EventKind::Death
        );
        let cars = map_header(
            Source::Vehicles,
            &header(&["身份证号", "登记日期", "车辆类型", "购置价格"]),
        )
        .unwrap();
        let car = event_row(
            Source::Vehicles,
            &cars,
            &[&id, "2026-09-09", "小型轿车", "86000"],
            today,
        )
        .unwrap();
        assert_eq!(
            (car.event, car.amount_fen),
            (EventKind::VehicleRegistered, Some(8_600_000))
        );
        assert_ne!(
            car.key(),
            event_row(
                Source::Vehicles,
                &cars,
                &[&id, "2026-09-10", "小型轿车", "86000"],
                today
            )
            .unwrap()
            .key()
        );
        // Every source's template has the ID number and a date, and needs no other source's columns.
        for s in Source::ALL {
            assert!(
                s.template()
                    .iter()
                    .any(|c| c.field == Field::IdNumber && c.required),
                "{s:?}"
            );
            assert!(
                s.template()
                    .iter()
                    .any(|c| c.field == Field::Date && c.required),
                "{s:?}"
            );
        }
    }

    #[test]
    fn justice_health_veterans_unions_and_courts_name_their_events_and_fire_their_rules() {
        let today = day("2026-11-26");
        let id = valid_id();
        let rules = example_rules();
        let kind_of = |source: Source, headers: &[&str], cells: &[&str]| {
            let map = map_header(source, &header(headers)).unwrap();
            let mut row = vec![id.as_str()];
            row.extend_from_slice(cells);
            let r = event_row(source, &map, &row, today)?;
            Ok::<_, RowProblem>((
                r.event,
                event_warning(&rules, &r, None, false).map(|(rule, _)| rule.kind),
            ))
        };
        let justice = ["身份证号", "事项", "决定日期"];
        assert_eq!(
            kind_of(Source::Justice, &justice, &["法律援助", "2026-11-01"]),
            Ok((
                EventKind::LegalAidGranted,
                Some(RuleKind::HardshipRecognised)
            ))
        );
        assert_eq!(
            kind_of(Source::Justice, &justice, &["刑满释放", "2026-11-01"]),
            Ok((EventKind::Released, Some(RuleKind::Custody)))
        );
        assert_eq!(
            kind_of(Source::Justice, &justice, &["逮捕", "2026-11-01"]),
            Ok((EventKind::Detained, Some(RuleKind::Custody)))
        );
        assert!(kind_of(Source::Justice, &justice, &["调解", "2026-11-01"]).is_err());
        let health = ["公民身份号码", "事项", "诊断日期", "疾病名称"];
        assert_eq!(
            kind_of(
                Source::Health,
                &health,
                &["大病确诊", "2026-11-02", "恶性肿瘤"]
            ),
            Ok((EventKind::SeriousIllness, Some(RuleKind::SeriousIllness)))
        );
        assert_eq!(
            kind_of(Source::Health, &health, &["院内死亡", "2026-11-02", ""]),
            Ok((EventKind::Death, Some(RuleKind::Death)))
        );
        // A birth is kept for the caseworker; it raises nothing.
        assert_eq!(
            kind_of(Source::Health, &health, &["出生", "2026-11-02", ""]),
            Ok((EventKind::Born, None))
        );
        assert_eq!(
            kind_of(Source::Veterans, &["身份证号", "认定日期"], &["2026-10-01"]),
            Ok((
                EventKind::VeteranInHardship,
                Some(RuleKind::HardshipRecognised)
            ))
        );
        assert_eq!(
            kind_of(
                Source::TradeUnion,
                &["身份证号", "建档日期", "工作单位"],
                &["2026-10-01", "某厂"]
            ),
            Ok((
                EventKind::HardshipWorker,
                Some(RuleKind::HardshipRecognised)
            ))
        );
        for court in [Source::Court, Source::Procuratorate] {
            assert_eq!(
                kind_of(
                    court,
                    &["身份证号", "决定日期", "救助金额"],
                    &["2026-10-01", "5000"]
                ),
                Ok((
                    EventKind::JudicialAssistance,
                    Some(RuleKind::HardshipRecognised)
                ))
            );
        }
        // Each new source is its department's, and every source has a rule or says why not.
        assert_eq!(
            Source::Court.department(),
            super::super::chain::Department::Court
        );
        assert_eq!(
            Source::Health.department(),
            super::super::chain::Department::Health
        );
    }

    #[test]
    fn department_records_fire_their_rules() {
        let today = day("2026-11-26");
        let rules = example_rules();
        let id = IdNumber::parse(&valid_id(), today).unwrap();
        let record = |event, grade| EventRecord {
            source: Source::DisabledPersons,
            id_number: id.clone(),
            event,
            date: today,
            grade,
            amount_fen: None,
            detail: String::new(),
        };
        let fired = |r: &EventRecord, w: Option<&HouseholdWork>| {
            event_warning(&rules, r, w, false).map(|(rule, _)| rule.kind)
        };
        assert_eq!(
            fired(&record(EventKind::DisabilityCertified, Some(2)), None),
            Some(RuleKind::SevereDisability)
        );
        assert_eq!(
            fired(&record(EventKind::DisabilityCertified, Some(3)), None),
            None,
            "grade 3 is not severe under the example rule"
        );
        assert_eq!(
            fired(&record(EventKind::Death, None), None),
            Some(RuleKind::Death)
        );
        // 就学 (Zhangye (六)): an enrolment is looked at.
        assert_eq!(
            fired(&record(EventKind::Enrolled, None), None),
            Some(RuleKind::Enrolment)
        );
        assert_eq!(fired(&record(EventKind::Employed, None), None), None);
        let alone = HouseholdWork {
            earners: vec![id.as_str().to_string()],
        };
        let two = HouseholdWork {
            earners: vec![id.as_str().to_string(), "other".into()],
        };
        assert_eq!(
            fired(&record(EventKind::Unemployed, None), Some(&alone)),
            Some(RuleKind::OnlyEarnerUnemployed)
        );
        assert_eq!(
            fired(&record(EventKind::Unemployed, None), Some(&two)),
            None,
            "another member still works"
        );
        assert_eq!(
            fired(&record(EventKind::Unemployed, None), None),
            None,
            "no declaration, no guess"
        );
        let (rule, facts) =
            event_warning(&rules, &record(EventKind::Death, None), None, false).unwrap();
        assert_eq!(facts.person, id.masked());
        assert_eq!(
            (rule.level, facts.labour_priority),
            (WarningLevel::III, false)
        );
        // A household with a member who lost labour capacity: one level more urgent, and why.
        let (rule, facts) =
            event_warning(&rules, &record(EventKind::Death, None), None, true).unwrap();
        assert_eq!(
            (rule.level, facts.labour_priority),
            (WarningLevel::II, true)
        );
        let (rule, _) = event_warning(
            &rules,
            &record(EventKind::Unemployed, None),
            Some(&alone),
            true,
        )
        .unwrap();
        assert_eq!(rule.level, WarningLevel::I, "I stays I");
        let mut off = rules.clone();
        off.iter_mut().for_each(|r| r.enabled = false);
        assert_eq!(
            event_warning(&off, &record(EventKind::Death, None), None, true),
            None,
            "a rule switched off raises nothing"
        );
        assert_eq!(
            share_of_income(150_000, 50),
            900_000,
            "half of 12 × 1 500 yuan"
        );
    }

    #[test]
    fn an_edited_rule_is_checked_against_its_kind() {
        let mut r = example_rules().remove(0);
        assert!(r.check().is_ok());
        r.visit_days = 0;
        assert_eq!(r.check().unwrap_err().field, "visit_days");
        r.visit_days = 10;
        r.threshold = 0;
        assert_eq!(r.check().unwrap_err().field, "threshold");
        let mut d = example_rules()
            .into_iter()
            .find(|r| r.kind == RuleKind::SevereDisability)
            .unwrap();
        d.threshold = 5;
        assert!(d.check().is_err());
    }
}
