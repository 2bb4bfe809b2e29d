//! Time, passed in: domain code never reads the system clock.

use chrono::{DateTime, NaiveDate, Offset as _, Utc};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in China Standard Time (UTC+8, no daylight saving since 1991).
    fn today(&self) -> NaiveDate {
        (self.now() + chrono::Duration::hours(8)).date_naive()
    }
}

/// An instant in China Standard Time, as people in the hall read a clock.
pub fn china_time(at: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix());
    at.with_timezone(&cst)
}

/// A clock fixed at one instant (tests, benchmarks).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that tests move by hand (lockouts ending, sessions expiring, codes changing).
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(std::sync::Mutex::new(start))
    }

    /// Sets the time.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = to;
        }
    }

    /// Moves time forward (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        match self.0.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_counted_in_china_standard_time() {
        let late_utc = Utc
            .with_ymd_and_hms(2026, 3, 1, 17, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            FixedClock(late_utc).today(),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
        );
    }

    #[test]
    fn an_instant_is_shown_on_the_halls_clock() {
        let late_utc = Utc
            .with_ymd_and_hms(2026, 3, 1, 17, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            china_time(late_utc).format("%Y-%m-%d %H:%M").to_string(),
            "2026-03-02 01:30"
        );
    }
}
