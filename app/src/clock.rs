//! The clock the browser and the server share: milliseconds UTC (how every time is stored),
//! and days and times as people in China read them (UTC+8, no daylight saving).
//! On the server it is the system clock plus the demo offset (demo mode only, `/dev/clock`).

/// Milliseconds since the epoch: the device's clock in the browser, the server's (with the
/// demo offset) on the server.
pub fn now_millis() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        real + demo::OFFSET_MS.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Today's date in China.
pub fn today_in_china() -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_millis() + CHINA_OFFSET_MS)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

pub const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;

/// `2026-11-25`: the day in China, from stored UTC milliseconds.
pub fn china_date(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis + CHINA_OFFSET_MS)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
}

/// `2026-11-25 14:03` in China time, from stored UTC milliseconds.
pub fn china_time(millis: i64) -> String {
    use chrono::{Datelike, Timelike};
    // Written out rather than with a format string: chrono's format strings are interpreted at run
    // time, code a phone would download for this one line.
    chrono::DateTime::from_timestamp_millis(millis + CHINA_OFFSET_MS)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// Demo mode only: moves the server's clock forward so a demonstration can show what happens
/// when a period ends (the public notice, a scheduled parameter). Always zero outside demo mode
/// (only the demo route calls `set_days`).
#[cfg(not(feature = "hydrate"))]
pub mod demo {
    use std::sync::atomic::{AtomicI64, Ordering};

    pub(super) static OFFSET_MS: AtomicI64 = AtomicI64::new(0);
    const DAY_MS: i64 = 86_400_000;

    /// Sets the offset to `days` whole days ahead of the real clock.
    pub fn set_days(days: i64) {
        OFFSET_MS.store(days * DAY_MS, Ordering::Relaxed);
    }

    /// The offset in whole days.
    pub fn days() -> i64 {
        OFFSET_MS.load(Ordering::Relaxed) / DAY_MS
    }
}

#[cfg(all(test, not(feature = "hydrate")))]
mod tests {
    use super::*;

    #[test]
    fn a_utc_evening_is_the_next_day_in_china() {
        // 2026-11-25 17:30 UTC is 2026-11-26 01:30 in China.
        let millis = 1_795_627_800_000;
        assert_eq!(china_date(millis), "2026-11-26");
        assert_eq!(china_time(millis), "2026-11-26 01:30");
    }
}
