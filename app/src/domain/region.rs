//! 行政区划代码 `RegionCode`: the 12-digit statistical division code and the subtree
//! arithmetic that scopes staff to their region.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegionCode(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RegionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionCodeError;

/// The length of the significant prefix at each level (province 2, city 4, county 6, township 9).
fn prefix_len(level: RegionLevel) -> usize {
    match level {
        RegionLevel::Province => 2,
        RegionLevel::City => 4,
        RegionLevel::County => 6,
        RegionLevel::Township => 9,
        RegionLevel::Village => 12,
    }
}

impl RegionCode {
    /// Accepts 12 digits, or a 2/4/6/9-digit prefix which is padded with zeros.
    pub fn parse(raw: &str) -> Result<Self, RegionCodeError> {
        let s = raw.trim();
        if !matches!(s.len(), 2 | 4 | 6 | 9 | 12)
            || !s.bytes().all(|b| b.is_ascii_digit())
            || s.starts_with('0')
        {
            return Err(RegionCodeError);
        }
        Ok(Self(format!("{s:0<12}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        let s = &self.0;
        if &s[2..] == "0000000000" {
            RegionLevel::Province
        } else if &s[4..] == "00000000" {
            RegionLevel::City
        } else if &s[6..] == "000000" {
            RegionLevel::County
        } else if &s[9..] == "000" {
            RegionLevel::Township
        } else {
            RegionLevel::Village
        }
    }

    /// The significant digits: `62` for a province, `620702` for a county.
    pub fn prefix(&self) -> &str {
        &self.0[..prefix_len(self.level())]
    }

    /// True when `self` is `ancestor` or lies below it in the tree.
    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        self.0.starts_with(ancestor.prefix())
    }

    /// The county this region lies in; a county or a region above one is its own.
    pub fn county(&self) -> RegionCode {
        if self.level() <= RegionLevel::County {
            self.clone()
        } else {
            Self(format!("{:0<12}", &self.0[..6]))
        }
    }

    /// The township this region lies in; a township or a region above one is its own.
    pub fn township(&self) -> RegionCode {
        if self.level() <= RegionLevel::Township {
            self.clone()
        } else {
            Self(format!("{:0<12}", &self.0[..9]))
        }
    }

    pub fn parent(&self) -> Option<RegionCode> {
        let keep = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => 2,
            RegionLevel::County => 4,
            RegionLevel::Township => 6,
            RegionLevel::Village => 9,
        };
        Some(Self(format!("{:0<12}", &self.0[..keep])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_subtrees() {
        let gansu = RegionCode::parse("62").unwrap();
        let zhangye = RegionCode::parse("620700000000").unwrap();
        let ganzhou = RegionCode::parse("620702").unwrap();
        let village = RegionCode::parse("620702100201").unwrap();
        assert_eq!(gansu.level(), RegionLevel::Province);
        assert_eq!(zhangye.level(), RegionLevel::City);
        assert_eq!(ganzhou.level(), RegionLevel::County);
        assert_eq!(village.level(), RegionLevel::Village);
        assert!(village.is_within(&ganzhou) && village.is_within(&gansu));
        assert!(!RegionCode::parse("210102").unwrap().is_within(&zhangye));
        assert!(!RegionCode::parse("620721").unwrap().is_within(&ganzhou));
        assert_eq!(village.parent().unwrap().as_str(), "620702100000");
        assert_eq!(gansu.parent(), None);
        assert_eq!(village.township().as_str(), "620702100000");
        assert_eq!(village.township().township(), village.township());
        assert_eq!(ganzhou.township(), ganzhou);
        assert!(RegionCode::parse("6207").is_ok());
        assert!(RegionCode::parse("62070").is_err());
        assert!(RegionCode::parse("abc").is_err());
    }
}

/// A division as the region pickers and the store know it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    pub parent_code: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    /// Example divisions shipped for demos (township and village codes), not official data.
    pub demo: bool,
}
