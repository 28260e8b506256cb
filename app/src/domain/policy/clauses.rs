//! 政策条款: the documents and sections the rules implement. Every criterion, parameter
//! and entitlement names one of these, so an explanation can say where a rule comes from.

use crate::domain::region::RegionCode;
use serde::Serialize;

coded! {
    /// A policy document the rules cite.
    pub enum Document {
        /// 辽宁省《关于加强低收入人口动态监测做好分层分类社会救助工作的实施意见（征求意见稿）》
        Liaoning = "liaoning",
        /// 张掖市 张政办发〔2023〕128号《若干措施》
        Zhangye = "zhangye",
        /// 《社会救助暂行办法》（国务院令第649号）
        InterimMeasures = "interim_measures",
        /// 《特困人员认定办法》（民发〔2021〕43号）
        TekunMeasures = "tekun_measures",
        /// 国办发〔2023〕39号（两份文件所依据的国家意见）
        Guobanfa39 = "guobanfa39",
        /// 《最低生活保障审核确认办法》（民发〔2021〕57号）
        DibaoConfirmation = "dibao_confirmation",
    }
}

/// A section of a document, e.g. Liaoning 二(三)1. Sections are written as the documents
/// number them, so they read the same in both languages.
/// Serialised for display only: stored traces name criteria, whose clauses are looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Clause {
    pub document: Document,
    pub section: &'static str,
}

pub const fn clause(document: Document, section: &'static str) -> Clause {
    Clause { document, section }
}

impl Document {
    /// Where the document is in force: the national ones everywhere, Liaoning's draft in Liaoning
    /// (21), Zhangye's measures in Zhangye (6207). A household is told the clauses of its own
    /// region's text, never another province's.
    pub fn applies_in(self, region: &RegionCode) -> bool {
        match self {
            Document::Liaoning => region.as_str().starts_with("21"),
            Document::Zhangye => region.as_str().starts_with("6207"),
            Document::InterimMeasures
            | Document::TekunMeasures
            | Document::Guobanfa39
            | Document::DibaoConfirmation => true,
        }
    }
}

/// The clauses of `clauses` in force in `region`, in their order.
pub fn cited_in(clauses: &[Clause], region: &RegionCode) -> Vec<Clause> {
    clauses
        .iter()
        .copied()
        .filter(|c| c.document.applies_in(region))
        .collect()
}

pub const LN_SCOPE: Clause = clause(Document::Liaoning, "二(一)");
pub const ZY_SCOPE: Clause = clause(Document::Zhangye, "(一)");
pub const ZY_STANDARDS: Clause = clause(Document::Zhangye, "(二)");
pub const ZY_RECOGNITION: Clause = clause(Document::Zhangye, "(三)");
pub const LN_BASIC_LIVING: Clause = clause(Document::Liaoning, "二(三)1");
pub const ZY_BASIC_LIVING: Clause = clause(Document::Zhangye, "(七)");
pub const DIBAO_NATIONAL: Clause = clause(Document::InterimMeasures, "第九条");
pub const TEKUN_NATIONAL: Clause = clause(Document::InterimMeasures, "第十四条");
pub const TEKUN_CONDITIONS: Clause = clause(Document::TekunMeasures, "第二条");
pub const TEKUN_NO_LABOUR: Clause = clause(Document::TekunMeasures, "第六条");
pub const ZY_EMPLOYMENT: Clause = clause(Document::Zhangye, "(八) 就业救助");
pub const ZY_MEDICAL: Clause = clause(Document::Zhangye, "(八) 医疗救助");
pub const ZY_EDUCATION: Clause = clause(Document::Zhangye, "(八) 教育救助");
pub const ZY_HOUSING: Clause = clause(Document::Zhangye, "(八) 住房救助");
pub const ZY_DISASTER: Clause = clause(Document::Zhangye, "(八) 受灾人员救助");
pub const ZY_EMERGENCY: Clause = clause(Document::Zhangye, "(九)");
pub const ZY_SERVICE: Clause = clause(Document::Zhangye, "(十)");
pub const ZY_OTHER_AID: Clause = clause(Document::Zhangye, "(十一)");
/// 需求推送 to departments (their 反馈 into the chain: LN 二(二)1(3), ZY (十三)).
pub const ZY_REFERRAL: Clause = clause(Document::Zhangye, "(六)");
pub const ZY_DUTIES: Clause = clause(Document::Zhangye, "(十二)");
pub const ZY_PUBLICITY: Clause = clause(Document::Zhangye, "(十五)");
pub const ZY_SUPERVISION: Clause = clause(Document::Zhangye, "(十六)");
pub const LN_PUBLICITY: Clause = clause(Document::Liaoning, "三(四)");
pub const ZY_MUTUAL_RECOGNITION: Clause = clause(Document::Zhangye, "(十四)");
/// How long the review of an application may take (the national measures; a county may set less).
pub const DIBAO_CONFIRMATION: Clause = clause(Document::DibaoConfirmation, "审核确认时限");
pub const MARGINAL_NATIONAL: Clause = clause(Document::Guobanfa39, "低保边缘家庭");
pub const LN_MEDICAL: Clause = clause(Document::Liaoning, "二(三)2(1)");
pub const LN_EDUCATION: Clause = clause(Document::Liaoning, "二(三)2(2)");
pub const LN_HOUSING: Clause = clause(Document::Liaoning, "二(三)2(3)");
pub const LN_EMPLOYMENT: Clause = clause(Document::Liaoning, "二(三)2(4)");
pub const LN_DISASTER: Clause = clause(Document::Liaoning, "二(三)2(5)");
pub const LN_EMERGENCY: Clause = clause(Document::Liaoning, "二(三)3");
pub const LN_SERVICE: Clause = clause(Document::Liaoning, "二(三)4");
pub const LN_OTHER_AID: Clause = clause(Document::Liaoning, "二(三)5");

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> RegionCode {
        RegionCode::parse(code).unwrap()
    }

    #[test]
    fn a_household_is_cited_its_own_regions_text_and_the_national_ones() {
        let both = [LN_MEDICAL, ZY_MEDICAL, DIBAO_NATIONAL];
        // Ganzhou (Zhangye): Zhangye's measures, never Liaoning's draft.
        assert_eq!(
            cited_in(&both, &region("620702000000")),
            vec![ZY_MEDICAL, DIBAO_NATIONAL]
        );
        // Shenyang (Liaoning): Liaoning's draft.
        assert_eq!(
            cited_in(&both, &region("210100000000")),
            vec![LN_MEDICAL, DIBAO_NATIONAL]
        );
        // Lanzhou (Gansu, not Zhangye): neither local text, the national one only.
        assert_eq!(
            cited_in(&both, &region("620100000000")),
            vec![DIBAO_NATIONAL]
        );
    }
}
