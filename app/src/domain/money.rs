//! 金额 `Money`: amounts in integer fen (分), parsed from 元 with at most two decimals.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Money(i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoneyError {
    Format,
    Negative,
    TooLarge,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_fen(fen: i64) -> Self {
        Self(fen)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// Parses `1234`, `1234.5`, `1,234.56` (元) into fen; an empty field is zero.
    /// Thousands separators (`,` or `，`) are taken only where they belong: in the whole part,
    /// every three digits from the point (`12,50` and `1,2,3,4` are refused, not read as 1 250
    /// and 1 234 yuan). `max_yuan` bounds the amount so a slip of the finger cannot store a
    /// fortune.
    pub fn parse_yuan(raw: &str, max_yuan: i64) -> Result<Self, MoneyError> {
        let s = Self::without_separators(raw.trim())?;
        if s.is_empty() {
            return Ok(Self::ZERO);
        }
        if s.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s.as_str(), ""),
        };
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
        {
            return Err(MoneyError::Format);
        }
        if int.len() > 12 {
            return Err(MoneyError::TooLarge);
        }
        let yuan: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| MoneyError::Format)?
        };
        let cents: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| MoneyError::Format)?;
        if yuan > max_yuan || (yuan == max_yuan && cents > 0) {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self(yuan * 100 + cents))
    }

    /// The amount without its thousands separators, if they are well placed: groups of exactly
    /// three digits after the first (of one to three), none in the decimals.
    fn without_separators(s: &str) -> Result<String, MoneyError> {
        if !s.contains([',', '，']) {
            return Ok(s.to_string());
        }
        let whole = s.split_once('.').map_or(s, |(w, _)| w);
        let mut groups = whole.split([',', '，']);
        let first = groups.next().unwrap_or("");
        let first_digits = first.trim_start_matches('-');
        let well_placed = (1..=3).contains(&first_digits.len())
            && groups.all(|g| g.len() == 3)
            && !s[whole.len()..].contains([',', '，']);
        if !well_placed {
            return Err(MoneyError::Format);
        }
        Ok(s.chars().filter(|c| *c != ',' && *c != '，').collect())
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl fmt::Display for Money {
    /// `1234.50`: 元 with two decimals, as forms show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_yuan_into_fen() {
        assert_eq!(
            Money::parse_yuan("1234.56", 100_000),
            Ok(Money::from_fen(123_456))
        );
        assert_eq!(
            Money::parse_yuan("1,234.5", 100_000),
            Ok(Money::from_fen(123_450))
        );
        assert_eq!(Money::parse_yuan(" 7 ", 100_000), Ok(Money::from_fen(700)));
        assert_eq!(Money::parse_yuan(".5", 100_000), Ok(Money::from_fen(50)));
        assert_eq!(Money::parse_yuan("", 100_000), Ok(Money::ZERO));
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!(Money::parse_yuan("-1", 100), Err(MoneyError::Negative));
        assert_eq!(Money::parse_yuan("1.234", 100), Err(MoneyError::Format));
        // Separators only every three digits of the whole part (Issue 20: these were read as
        // 1 250 and 1 234 yuan).
        for bad in [
            "12,50",
            "1,2,3,4",
            "1,23",
            "1234,567",
            ",123",
            "1,234.5,6",
            "1,,234",
            "1,234,",
        ] {
            assert_eq!(
                Money::parse_yuan(bad, 100_000),
                Err(MoneyError::Format),
                "{bad}"
            );
        }
        assert_eq!(
            Money::parse_yuan("1，234,567.8", 10_000_000),
            Ok(Money::from_fen(123_456_780))
        );
        assert_eq!(Money::parse_yuan("abc", 100), Err(MoneyError::Format));
        assert_eq!(Money::parse_yuan(".", 100), Err(MoneyError::Format));
        assert_eq!(Money::parse_yuan("100.01", 100), Err(MoneyError::TooLarge));
        assert_eq!(
            Money::parse_yuan("100.00", 100),
            Ok(Money::from_fen(10_000))
        );
        assert_eq!(
            Money::parse_yuan("99999999999999999999", 100),
            Err(MoneyError::TooLarge)
        );
    }

    proptest! {
        #[test]
        fn display_round_trips(fen in 0i64..10_000_000_000) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse_yuan(&m.to_string(), 1_000_000_000), Ok(m));
        }

        #[test]
        fn well_placed_separators_are_taken(fen in 0i64..10_000_000_000) {
            let plain = Money::from_fen(fen).to_string();
            let (whole, decimals) = plain.split_once('.').expect("two decimals");
            let mut grouped = String::new();
            for (i, c) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            let text = format!("{grouped}.{decimals}");
            prop_assert_eq!(Money::parse_yuan(&text, 1_000_000_000), Ok(Money::from_fen(fen)));
        }
    }
}
