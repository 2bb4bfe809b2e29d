//! The working calendar (工作日 / 调休): which dates are working days, from the State
//! Council's yearly notices. Ordinary weekends are rest days and weekdays working days,
//! except that every date of a holiday range is a rest day and every listed make-up date
//! (调休上班) a working day. A year without its notice is unknown: nothing is guessed.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One named holiday range, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One year's notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    pub year: i32,
    /// The notice it comes from (title, number, date).
    pub notice: String,
    pub holidays: Vec<Holiday>,
    /// Weekend dates that are working days.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    year: Vec<CalendarYear>,
}

/// Why a calendar file or year cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("日历文件无法读取：{0}")]
    Syntax(String),
    #[error("{year} 年：{message}")]
    Year { year: i32, message: String },
}

impl CalendarYear {
    /// Checks that every date lies in the year, ranges run forward, make-up days fall on
    /// weekends outside the holidays, and holidays do not overlap.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let bad = |message: String| CalendarError::Year {
            year: self.year,
            message,
        };
        let mut rest = BTreeSet::new();
        for h in &self.holidays {
            if h.from.year() != self.year || h.to.year() != self.year {
                return Err(bad(format!("{} 的日期不在本年", h.name)));
            }
            if h.to < h.from {
                return Err(bad(format!("{} 的结束日期早于开始日期", h.name)));
            }
            for d in h.from.iter_days().take_while(|d| *d <= h.to) {
                if !rest.insert(d) {
                    return Err(bad(format!("{d} 属于两个假期")));
                }
            }
        }
        for d in &self.workdays {
            if d.year() != self.year {
                return Err(bad(format!("调休上班日 {d} 不在本年")));
            }
            if !is_weekend(*d) {
                return Err(bad(format!("调休上班日 {d} 不是周末")));
            }
            if rest.contains(d) {
                return Err(bad(format!("{d} 既是假期又是调休上班日")));
            }
        }
        Ok(())
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Parses a calendar file (`[[year]]` tables, as in `cn-working-calendar.toml`) and checks
/// each year.
pub fn parse_calendar(text: &str) -> Result<Vec<CalendarYear>, CalendarError> {
    let file: CalendarFile =
        toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
    for y in &file.year {
        y.validate()?;
    }
    Ok(file.year)
}

/// A deadline or count reached into a year whose notice is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} 年的节假日安排尚未录入")]
pub struct UnknownYear(pub i32);

/// The known years' working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>)>,
}

impl WorkingCalendar {
    pub fn new(years: &[CalendarYear]) -> WorkingCalendar {
        let years = years
            .iter()
            .map(|y| {
                let rest = y
                    .holidays
                    .iter()
                    .flat_map(|h| h.from.iter_days().take_while(move |d| *d <= h.to))
                    .collect();
                (y.year, (rest, y.workdays.iter().copied().collect()))
            })
            .collect();
        WorkingCalendar { years }
    }

    /// The years this calendar knows.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether a date is a working day; an unknown year is an error, never a guess.
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, UnknownYear> {
        let (rest, workdays) = self.years.get(&d.year()).ok_or(UnknownYear(d.year()))?;
        Ok(workdays.contains(&d) || (!is_weekend(d) && !rest.contains(&d)))
    }

    /// The first working day on or after `d`.
    pub fn working_day_from(&self, d: NaiveDate) -> Result<NaiveDate, UnknownYear> {
        let mut day = d;
        while !self.is_working_day(day)? {
            day = day.succ_opt().ok_or(UnknownYear(day.year() + 1))?;
        }
        Ok(day)
    }

    /// The `n`th working day after `d` (`d` itself not counted): the last day of a limit of
    /// `n` working days that starts the day after `d`.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, UnknownYear> {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().ok_or(UnknownYear(day.year() + 1))?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// Working days strictly after `from` up to and including `to` (0 when `to` is not
    /// after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, UnknownYear> {
        let mut n = 0;
        for day in from.iter_days().skip(1).take_while(|d| *d <= to) {
            if self.is_working_day(day)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

/// The product's own copy of the State Council's notices (2025 and 2026), seeding every new
/// database's calendar.
pub const SHIPPED: &str = include_str!("../data/cn-working-calendar.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn shipped() -> WorkingCalendar {
        WorkingCalendar::new(&parse_calendar(SHIPPED).unwrap())
    }

    #[test]
    fn the_shipped_notices_parse_and_hold_both_years() {
        let years = parse_calendar(SHIPPED).unwrap();
        assert_eq!(
            years.iter().map(|y| y.year).collect::<Vec<_>>(),
            [2025, 2026]
        );
        assert_eq!(shipped().years(), [2025, 2026]);
    }

    #[test]
    fn the_2026_spring_festival_and_its_make_up_days() {
        let c = shipped();
        // 2026-02-14 (Saturday) and 2026-02-28 (Saturday) are worked; 15-23 February rest.
        assert!(c.is_working_day(d("2026-02-14")).unwrap());
        for day in d("2026-02-15").iter_days().take(9) {
            assert!(!c.is_working_day(day).unwrap(), "{day}");
        }
        assert!(c.is_working_day(d("2026-02-24")).unwrap());
        assert!(c.is_working_day(d("2026-02-28")).unwrap());
        assert!(
            !c.is_working_day(d("2026-03-01")).unwrap(),
            "an ordinary Sunday"
        );
        // Five working days from Friday 13 February: 14 (make-up Saturday), 24, 25, 26, 27.
        assert_eq!(
            c.add_working_days(d("2026-02-13"), 5).unwrap(),
            d("2026-02-27")
        );
        assert_eq!(
            c.working_days_between(d("2026-02-13"), d("2026-02-27"))
                .unwrap(),
            5
        );
    }

    #[test]
    fn the_2026_national_day_and_its_make_up_days() {
        let c = shipped();
        assert!(c.is_working_day(d("2026-09-20")).unwrap(), "make-up Sunday");
        for day in d("2026-10-01").iter_days().take(7) {
            assert!(!c.is_working_day(day).unwrap(), "{day}");
        }
        assert!(
            c.is_working_day(d("2026-10-10")).unwrap(),
            "make-up Saturday"
        );
        // Three working days after Wednesday 30 September: 8, 9 and 10 October.
        assert_eq!(
            c.add_working_days(d("2026-09-30"), 3).unwrap(),
            d("2026-10-10")
        );
        assert_eq!(
            c.working_day_from(d("2026-10-03")).unwrap(),
            d("2026-10-08")
        );
    }

    #[test]
    fn a_year_without_its_notice_is_unknown_not_guessed() {
        let c = shipped();
        assert_eq!(c.is_working_day(d("2027-01-04")), Err(UnknownYear(2027)));
        assert_eq!(
            c.add_working_days(d("2026-12-28"), 5),
            Err(UnknownYear(2027))
        );
        assert!(c.add_working_days(d("2026-12-24"), 4).is_ok());
    }

    #[test]
    fn a_malformed_year_is_refused_with_what_is_wrong() {
        let text = r#"
[[year]]
year = 2027
notice = "test"
holidays = [{ name = "元旦", from = "2027-01-03", to = "2027-01-01" }]
"#;
        let e = parse_calendar(text).unwrap_err();
        assert!(e.to_string().contains("结束日期早于开始日期"), "{e}");
        let weekday = r#"
[[year]]
year = 2027
notice = "test"
holidays = []
workdays = ["2027-01-06"]
"#;
        let e = parse_calendar(weekday).unwrap_err();
        assert!(e.to_string().contains("不是周末"), "{e}");
        assert!(matches!(
            parse_calendar("[[year]]\nyear = \"x\""),
            Err(CalendarError::Syntax(_))
        ));
    }
}
