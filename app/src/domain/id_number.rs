//! 身份证号 `IdNumber`: an 18-character resident identity number per GB 11643-1999.
//! Owns parsing (format, birth date, ISO 7064 MOD 11-2 check character) and masking.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// A resident identity number that cannot exist invalid.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdNumberError {
    /// Not 17 digits followed by a digit or X.
    Format,
    /// The birth date part is not a real date, lies in the future or before 1900.
    BirthDate,
    /// The check character does not match (a typo).
    Checksum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

/// The check character of the first 17 digits (ISO 7064 MOD 11-2).
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

impl IdNumber {
    /// Parses an ID number as typed: surrounding spaces are ignored and a lower-case `x` accepted.
    /// `today` bounds the birth date. The address code is deliberately not checked against
    /// today's division table: codes of abolished divisions stay valid in old IDs.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let s = raw.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 18
            || !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
            || bytes[0] == b'0'
            || bytes[0] == b'9'
        {
            return Err(IdNumberError::Format);
        }
        let birth = parse_birth(&s[6..14]).ok_or(IdNumberError::BirthDate)?;
        if birth > today || birth.year() < 1900 {
            return Err(IdNumberError::BirthDate);
        }
        if check_char(&s[..17]) != Some(bytes[17] as char) {
            return Err(IdNumberError::Checksum);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        parse_birth(&self.0[6..14]).expect("validated at parse")
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The six-digit address code of the place of first registration.
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    /// `620702********1234`: the default way an ID number is shown.
    pub fn masked(&self) -> String {
        mask_id_text(&self.0)
    }
}

/// Masks any ID-like text of 18 characters; other lengths are fully hidden.
pub fn mask_id_text(s: &str) -> String {
    if s.len() == 18 && s.is_ascii() {
        format!("{}********{}", &s[..6], &s[14..])
    } else {
        "*".repeat(s.chars().count().min(18))
    }
}

fn parse_birth(yyyymmdd: &str) -> Option<NaiveDate> {
    let y = yyyymmdd.get(0..4)?.parse().ok()?;
    let m = yyyymmdd.get(4..6)?.parse().ok()?;
    let d = yyyymmdd.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

impl TryFrom<String> for IdNumber {
    type Error = String;
    /// Deserialisation accepts only already-valid numbers (stored data); the date bound is lenient.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let far = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date");
        IdNumber::parse(&value, far).map_err(|e| format!("invalid ID number: {e:?}"))
    }
}

impl From<IdNumber> for String {
    fn from(value: IdNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn known_valid_numbers_parse() {
        // Published GB 11643 example and numbers built with the standard algorithm.
        for raw in [
            "11010519491231002X",
            "110105194912310029",
            "620702199001011238",
            "210102198001010015",
        ] {
            let s17 = &raw[..17];
            let full = format!("{s17}{}", check_char(s17).unwrap());
            assert!(IdNumber::parse(&full, today()).is_ok(), "{full}");
        }
        assert_eq!(
            IdNumber::parse("11010519491231002X", today())
                .unwrap()
                .sex(),
            Sex::Female
        );
        assert_eq!(
            IdNumber::parse(" 11010519491231002x ", today())
                .unwrap()
                .as_str(),
            "11010519491231002X"
        );
    }

    #[test]
    fn known_invalid_numbers_are_refused_with_the_reason() {
        assert_eq!(
            IdNumber::parse("110105194912310021", today()),
            Err(IdNumberError::Checksum)
        );
        assert_eq!(
            IdNumber::parse("11010519491231002", today()),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("1101051949123100２X", today()),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("110105194902300021", today()),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(
            IdNumber::parse("110105203001010021", today()),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(IdNumber::parse("", today()), Err(IdNumberError::Format));
    }

    #[test]
    fn masks_the_middle() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn an_abolished_address_code_still_parses() {
        // 513001 (former Daxian prefecture) no longer exists in today's table.
        let s17 = "51300119700101001";
        let raw = format!("{s17}{}", check_char(s17).unwrap());
        assert!(IdNumber::parse(&raw, today()).is_ok());
    }

    proptest! {
        #[test]
        fn random_valid_numbers_round_trip(
            area in 110000u32..=659999,
            days in 0i64..40000,
            seq in 0u32..=999,
        ) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Days::new(days as u64);
            prop_assume!(birth <= today());
            let s17 = format!("{area:06}{}{seq:03}", birth.format("%Y%m%d"));
            let raw = format!("{s17}{}", check_char(&s17).unwrap());
            let id = IdNumber::parse(&raw, today()).unwrap();
            prop_assert_eq!(id.as_str(), raw.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
            // Any single changed check character is caught.
            let wrong = CHECK_CHARS.iter().find(|c| **c != check_char(&s17).unwrap()).unwrap();
            prop_assert_eq!(IdNumber::parse(&format!("{s17}{wrong}"), today()), Err(IdNumberError::Checksum));
        }
    }
}
