//! Dates sent as `YYYY-MM-DD` (chrono's own spelling), read without chrono's general parser:
//! that parser (every format chrono knows, RFC 2822 and 3339 included) is ~15 KB of code, ~4 KB
//! of what a phone receives where a date arrives from the server. `#[serde(with = "ymd")]`.

use chrono::{Datelike, NaiveDate};
use serde::{de::Error, Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(date)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).ok_or_else(|| D::Error::custom("expected a date as YYYY-MM-DD"))
}

/// `YYYY-MM-DD` with a real month and day, years 1000–9999; anything else is `None`.
pub fn parse(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
    (date.year() >= 1000).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_chrono_writes_and_nothing_else() {
        for text in ["2026-01-01", "2024-02-29", "1000-12-31", "9999-12-31"] {
            let date = parse(text).unwrap();
            assert_eq!(date.to_string(), text);
            assert_eq!(date, text.parse::<NaiveDate>().unwrap());
        }
        for text in [
            "",
            "2026-1-01",
            "2026-01-1",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-32",
            "+026-01-01",
            "2026/01/01",
            "２０２６-01-01",
            "0999-01-01",
            "2026-01-01T00:00",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn a_date_goes_and_comes_back_through_json() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct On {
            #[serde(with = "super")]
            on: NaiveDate,
        }
        let on = On {
            on: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
        };
        let json = serde_json::to_string(&on).unwrap();
        assert_eq!(json, r#"{"on":"2026-12-05"}"#);
        assert_eq!(serde_json::from_str::<On>(&json).unwrap(), on);
        assert!(serde_json::from_str::<On>(r#"{"on":"2026-02-30"}"#).is_err());
    }
}
