//! The law's clock: every rule that counts a case's days, each with the provision it comes
//! from. Limits are counted in working days on the [`WorkingCalendar`]; a count that reaches
//! into a year whose holidays are not yet published is an [`UnknownYear`], never a guess.

use crate::calendar::{UnknownYear, WorkingCalendar};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// China Standard Time, in which days are counted (UTC+8, no daylight saving since 1991).
pub fn china(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    (t + chrono::Duration::hours(8)).naive_utc()
}

/// When the hall stops receiving for the day (the last counter's closing time).
pub const OFFICE_CLOSES: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Working days after receipt within which an incomplete application must be refused or
/// sent one complete notice.
pub const NOTICE_DAYS: u32 = 5;

/// A step or case is nearing its limit in the last this-many working days of it (the last
/// day included).
pub const NEARING_DAYS: u32 = 2;

/// The day an application counts as received: the day it arrived if that is a working day
/// and it arrived before the hall closed, else the next working day.
///
/// 《民法典》第二百零三条: where there are business hours, the period of a day ends when
/// business stops; so what arrives after closing, or on a rest day, is received on the next
/// working day.
pub fn received_on(
    at: DateTime<Utc>,
    closes: NaiveTime,
    cal: &WorkingCalendar,
) -> Result<NaiveDate, UnknownYear> {
    let local = china(at);
    let day = local.date();
    if cal.is_working_day(day)? && local.time() < closes {
        Ok(day)
    } else {
        cal.working_day_from(day.succ_opt().ok_or(UnknownYear(day.year() + 1))?)
    }
}

/// The last day of a limit of `days` working days that starts with an event on `from`.
///
/// 《行政许可法》第八十二条: the Law's limits are counted in working days, statutory holidays
/// excluded. 《民法典》第二百零一条: the day of the event (acceptance) is not counted;
/// counting starts the next day.
pub fn limit_ends(
    from: NaiveDate,
    days: u32,
    cal: &WorkingCalendar,
) -> Result<NaiveDate, UnknownYear> {
    cal.add_working_days(from, days)
}

/// The day an application nobody refused or sent a complete notice for is accepted, if it
/// is by `today`: the day it was received, once [`NOTICE_DAYS`] working days have passed.
///
/// 《行政许可法》第三十二条第一款第（四）项: an authority that does not tell the applicant,
/// at once or within five days, everything to correct, accepts the application as of the day
/// it received the materials.
pub fn deemed_accepted(
    received: NaiveDate,
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Result<Option<NaiveDate>, UnknownYear> {
    let last = cal.add_working_days(received, NOTICE_DAYS)?;
    Ok((today > last).then_some(received))
}

/// Why a case's clock stands still.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pause {
    /// The applicant was asked to correct or add materials.
    Correction,
    /// A hearing, inspection, expert review or other special procedure.
    SpecialProcedure,
}

/// A running or stopped limit: while running, its last day; while stopped, the days that
/// remained. A limit that reaches into a year whose holidays are not known has no last day
/// and names that year: it is flagged, never guessed.
///
/// 《行政许可法》第四十五条: time needed for hearings, tendering, auctions, inspections,
/// testing, quarantine, appraisal and expert review is not counted in the limit; the time an
/// applicant takes to correct what the authority asked for is the applicant's, not the
/// authority's, and is likewise not counted. Either way the clock resumes with the days that
/// remained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// The last day, while running and known.
    pub ends: Option<NaiveDate>,
    /// While stopped: since when, why, and the days that remained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<(NaiveDate, Pause, u32)>,
    /// Counted in natural days (the catalog's unit), not working days.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub natural: bool,
    /// The year whose calendar the count needed and did not have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_year: Option<i32>,
    /// While the last day is unknown: the count to make once the calendar knows the year
    /// (the event's day, and the days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<(NaiveDate, u32)>,
}

impl Limit {
    /// A limit of `days` working days from an event on `from` (not counted).
    pub fn start(from: NaiveDate, days: u32, cal: &WorkingCalendar) -> Limit {
        Limit::start_in(from, days, false, cal)
    }

    /// A limit of `days` working or (`natural`) natural days from an event on `from`.
    pub fn start_in(from: NaiveDate, days: u32, natural: bool, cal: &WorkingCalendar) -> Limit {
        let ends = if natural {
            Ok(from + chrono::Duration::days(i64::from(days)))
        } else {
            limit_ends(from, days, cal)
        };
        Limit {
            ends: ends.ok(),
            paused: None,
            natural,
            unknown_year: ends.err().map(|y| y.0),
            pending: ends.is_err().then_some((from, days)),
        }
    }

    /// The limit counted again, if its last day was unknown and the calendar now knows the
    /// year; `None` when nothing changes.
    pub fn settle(&self, cal: &WorkingCalendar) -> Option<Limit> {
        let (from, days) = self.pending?;
        let again = Limit::start_in(from, days, self.natural, cal);
        (again.ends.is_some()).then_some(again)
    }

    /// Days after `day` up to the last day, in the limit's unit.
    fn left_after(
        &self,
        day: NaiveDate,
        ends: NaiveDate,
        cal: &WorkingCalendar,
    ) -> Result<u32, UnknownYear> {
        if self.natural {
            Ok(u32::try_from((ends - day).num_days()).unwrap_or(0))
        } else {
            cal.working_days_between(day, ends)
        }
    }

    /// Stops the clock on `day`: the days after it up to the last day remain (none when the
    /// limit has passed). Stopping a stopped clock, or one without a known last day,
    /// changes nothing.
    pub fn stop(self, day: NaiveDate, why: Pause, cal: &WorkingCalendar) -> Limit {
        let (Some(ends), None) = (self.ends, self.paused) else {
            return self;
        };
        match self.left_after(day, ends, cal) {
            Ok(remaining) => Limit {
                ends: None,
                paused: Some((day, why, remaining)),
                ..self
            },
            Err(y) => Limit {
                unknown_year: Some(y.0),
                ..self
            },
        }
    }

    /// Starts the clock again on `day` with the days that remained (the day itself not
    /// counted). Resuming a running clock changes nothing.
    pub fn resume(self, day: NaiveDate, cal: &WorkingCalendar) -> Limit {
        match self.paused {
            Some((_, _, remaining)) => Limit::start_in(day, remaining, self.natural, cal),
            None => self,
        }
    }

    /// How the limit stands on `today`.
    pub fn urgency(&self, today: NaiveDate, cal: &WorkingCalendar) -> Urgency {
        match (self.ends, self.paused) {
            (_, Some(_)) => Urgency::Stopped,
            (None, None) => Urgency::Unknown,
            (Some(ends), None) if today > ends => Urgency::Overdue,
            (Some(ends), None) => match self.left_after(today, ends, cal) {
                Ok(left) if left < NEARING_DAYS => Urgency::Nearing,
                Ok(_) => Urgency::OnTime,
                Err(_) => Urgency::Unknown,
            },
        }
    }
}

/// How a limit stands: the page's green, yellow, red, grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    OnTime,
    /// In the last [`NEARING_DAYS`] working days of the limit.
    Nearing,
    Overdue,
    /// The clock stands still (correction, special procedure).
    Stopped,
    /// The calendar of a year the limit reaches into is not known.
    Unknown,
}

impl Urgency {
    pub fn key(self) -> &'static str {
        match self {
            Urgency::OnTime => "on_time",
            Urgency::Nearing => "nearing",
            Urgency::Overdue => "overdue",
            Urgency::Stopped => "stopped",
            Urgency::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{parse_calendar, WorkingCalendar, SHIPPED};

    #[test]
    fn a_limit_in_a_year_without_a_calendar_is_flagged_then_counted_once_the_year_is_known() {
        let shipped = parse_calendar(SHIPPED).unwrap();
        let cal2026 = WorkingCalendar::new(&shipped);
        let from = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let flagged = Limit::start(from, 20, &cal2026);
        assert_eq!(flagged.ends, None, "never guessed");
        assert_eq!(flagged.unknown_year, Some(2027));
        let mut years = shipped.clone();
        years.push(crate::calendar::CalendarYear {
            year: 2027,
            notice: "test".into(),
            holidays: Vec::new(),
            workdays: Vec::new(),
        });
        let known = WorkingCalendar::new(&years);
        let settled = flagged.settle(&known).unwrap();
        assert_eq!(
            settled.ends,
            NaiveDate::from_ymd_opt(2027, 1, 15),
            "20 working days (this test's 2027 has no holidays)"
        );
        assert_eq!(settled.unknown_year, None);
        assert_eq!(settled.settle(&known), None, "a known limit stays as it is");
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::new(&parse_calendar(SHIPPED).unwrap())
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// An instant given in China time.
    fn at(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
            - chrono::Duration::hours(8)
    }

    #[test]
    fn civil_code_203_after_hours_and_rest_days_count_from_the_next_working_day() {
        let c = cal();
        assert_eq!(
            received_on(at("2026-03-02 16:59"), OFFICE_CLOSES, &c),
            Ok(d("2026-03-02"))
        );
        assert_eq!(
            received_on(at("2026-03-02 17:00"), OFFICE_CLOSES, &c),
            Ok(d("2026-03-03"))
        );
        // Friday evening counts from Monday; a Saturday too.
        assert_eq!(
            received_on(at("2026-03-06 18:30"), OFFICE_CLOSES, &c),
            Ok(d("2026-03-09"))
        );
        assert_eq!(
            received_on(at("2026-03-07 10:00"), OFFICE_CLOSES, &c),
            Ok(d("2026-03-09"))
        );
        // Spring Festival eve afternoon, then nine days of rest.
        assert_eq!(
            received_on(at("2026-02-14 17:30"), OFFICE_CLOSES, &c),
            Ok(d("2026-02-24"))
        );
        // A make-up Saturday morning is a working day.
        assert_eq!(
            received_on(at("2026-02-28 09:00"), OFFICE_CLOSES, &c),
            Ok(d("2026-02-28"))
        );
    }

    #[test]
    fn licensing_law_82_and_civil_code_201_working_days_from_the_day_after() {
        let c = cal();
        // Accepted Monday 2 March 2026: 20 working days end Monday 30 March.
        assert_eq!(limit_ends(d("2026-03-02"), 20, &c), Ok(d("2026-03-30")));
        // Accepted Tuesday 29 September: 3 working days are the 30th, then 8 and 9 October.
        assert_eq!(limit_ends(d("2026-09-29"), 3, &c), Ok(d("2026-10-09")));
        // Accepted the day before the Spring Festival make-up Saturday: it counts.
        assert_eq!(limit_ends(d("2026-02-13"), 1, &c), Ok(d("2026-02-14")));
        // Reaching into 2027, whose notice is not known, is flagged.
        assert_eq!(limit_ends(d("2026-12-21"), 20, &c), Err(UnknownYear(2027)));
    }

    #[test]
    fn licensing_law_32_silence_for_five_working_days_is_acceptance_as_of_receipt() {
        let c = cal();
        // Received Friday 13 February 2026: the five days are 14, 24, 25, 26, 27 February.
        assert_eq!(
            deemed_accepted(d("2026-02-13"), d("2026-02-27"), &c),
            Ok(None)
        );
        assert_eq!(
            deemed_accepted(d("2026-02-13"), d("2026-02-28"), &c),
            Ok(Some(d("2026-02-13")))
        );
    }

    #[test]
    fn licensing_law_45_paused_time_is_not_counted_and_the_rest_resumes() {
        let c = cal();
        let limit = Limit::start(d("2026-03-02"), 10, &c);
        assert_eq!(limit.ends, Some(d("2026-03-16")));
        // Stopped on Wednesday 4 March: 8 working days remain (5th to 16th).
        let stopped = limit.stop(d("2026-03-04"), Pause::SpecialProcedure, &c);
        assert_eq!(
            stopped.paused,
            Some((d("2026-03-04"), Pause::SpecialProcedure, 8))
        );
        assert_eq!(stopped.urgency(d("2026-05-01"), &c), Urgency::Stopped);
        // Resumed Monday 23 March: 8 working days end Thursday 2 April.
        let resumed = stopped.resume(d("2026-03-23"), &c);
        assert_eq!(resumed.ends, Some(d("2026-04-02")));
        assert_eq!(resumed.paused, None);
    }

    #[test]
    fn a_correction_stops_the_clock_across_the_national_day() {
        let c = cal();
        // 25 September is the Mid-Autumn Festival: 22, 23, 24, 28, 29.
        let limit = Limit::start(d("2026-09-21"), 5, &c);
        assert_eq!(limit.ends, Some(d("2026-09-29")));
        let stopped = limit.stop(d("2026-09-24"), Pause::Correction, &c);
        assert_eq!(stopped.paused.map(|p| p.2), Some(2), "28th and 29th remain");
        assert_eq!(
            stopped.resume(d("2026-09-30"), &c).ends,
            Some(d("2026-10-09"))
        );
    }

    #[test]
    fn a_limit_into_an_unknown_year_is_flagged_and_natural_days_count_every_day() {
        let c = cal();
        let limit = Limit::start(d("2026-12-21"), 20, &c);
        assert_eq!((limit.ends, limit.unknown_year), (None, Some(2027)));
        assert_eq!(limit.urgency(d("2026-12-22"), &c), Urgency::Unknown);
        let natural = Limit::start_in(d("2026-12-21"), 20, true, &c);
        assert_eq!(natural.ends, Some(d("2027-01-10")));
        let stopped = natural.stop(d("2026-12-31"), Pause::Correction, &c);
        assert_eq!(stopped.paused.map(|p| p.2), Some(10));
    }

    #[test]
    fn nearing_and_overdue_are_marked() {
        let c = cal();
        let limit = Limit::start(d("2026-03-02"), 5, &c);
        assert_eq!(limit.ends, Some(d("2026-03-09")));
        assert_eq!(limit.urgency(d("2026-03-03"), &c), Urgency::OnTime);
        assert_eq!(limit.urgency(d("2026-03-06"), &c), Urgency::Nearing);
        assert_eq!(limit.urgency(d("2026-03-09"), &c), Urgency::Nearing);
        assert_eq!(limit.urgency(d("2026-03-10"), &c), Urgency::Overdue);
    }
}
