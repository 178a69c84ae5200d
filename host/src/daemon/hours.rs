//! Working hours: when an account may act, in its own time zone. Outside them the daemon
//! sleeps until the next opening (the reference ran around the clock).

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// An account's working hours.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingHours {
    tz: TimeZone,
    /// Minutes after local midnight.
    start_min: u32,
    end_min: u32,
    /// ISO weekday numbers (1 = Monday).
    days: Vec<i8>,
}

/// Why working hours cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    /// Start and end are not a window of a day.
    #[error("working hours {0}–{1} (minutes) are not a window within one day")]
    Window(u32, u32),
    /// No working day.
    #[error("working days `{0}` name no day from 1 (Monday) to 7 (Sunday)")]
    Days(String),
}

impl WorkingHours {
    /// Hours from `start_min` to `end_min` (minutes after local midnight) on the ISO weekdays
    /// listed in `days` ("1,2,3,4,5"), in `tz`.
    pub fn new(
        tz: TimeZone,
        start_min: u32,
        end_min: u32,
        days: &str,
    ) -> Result<WorkingHours, HoursError> {
        if start_min >= end_min || end_min > 24 * 60 {
            return Err(HoursError::Window(start_min, end_min));
        }
        let mut parsed: Vec<i8> = days
            .split(',')
            .filter_map(|d| d.trim().parse::<i8>().ok())
            .filter(|d| (1..=7).contains(d))
            .collect();
        parsed.sort();
        parsed.dedup();
        if parsed.is_empty() {
            return Err(HoursError::Days(days.to_string()));
        }
        Ok(WorkingHours {
            tz,
            start_min,
            end_min,
            days: parsed,
        })
    }

    fn at(&self, date: Date, minutes: u32) -> Option<Timestamp> {
        let time = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
        date.to_datetime(time)
            .to_zoned(self.tz.clone())
            .ok()
            .map(|z| z.timestamp())
    }

    /// Whether `now_ms` is within working hours.
    pub fn is_open(&self, now_ms: u64) -> bool {
        self.next_open(now_ms) == Some(now_ms)
    }

    /// `now_ms` if it is within working hours, else the next moment they open (`None` only
    /// if the time zone data cannot express it).
    pub fn next_open(&self, now_ms: u64) -> Option<u64> {
        let now = Timestamp::from_millisecond(now_ms as i64).ok()?;
        let mut date = now.to_zoned(self.tz.clone()).date();
        for _ in 0..8 {
            if self.days.contains(&date.weekday().to_monday_one_offset()) {
                let open = self.at(date, self.start_min)?;
                let close = if self.end_min == 24 * 60 {
                    self.at(date.tomorrow().ok()?, 0)?
                } else {
                    self.at(date, self.end_min)?
                };
                if now < open {
                    return Some(open.as_millisecond() as u64);
                }
                if now < close {
                    return Some(now_ms);
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> u64 {
        s.parse::<Timestamp>().unwrap().as_millisecond() as u64
    }

    #[test]
    fn weekdays_nine_to_six_in_the_accounts_zone() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let h = WorkingHours::new(berlin, 9 * 60, 18 * 60, "1,2,3,4,5").unwrap();
        // Monday 2026-11-23 10:00 Berlin = 09:00 UTC: open.
        assert!(h.is_open(ms("2026-11-23T09:00:00Z")));
        // 07:59 UTC = 08:59 Berlin: opens at 08:00 UTC.
        assert_eq!(
            h.next_open(ms("2026-11-23T07:59:00Z")),
            Some(ms("2026-11-23T08:00:00Z"))
        );
        // Friday 18:00 Berlin is closed; next is Monday 09:00 Berlin.
        assert_eq!(
            h.next_open(ms("2026-11-27T17:00:00Z")),
            Some(ms("2026-11-30T08:00:00Z"))
        );
        // Saturday noon: Monday.
        assert_eq!(
            h.next_open(ms("2026-11-28T11:00:00Z")),
            Some(ms("2026-11-30T08:00:00Z"))
        );
    }

    #[test]
    fn daylight_saving_and_bad_settings() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let h = WorkingHours::new(ny, 9 * 60, 17 * 60, "7").unwrap();
        // Sunday 2026-03-08 is the spring-forward day; 09:00 EDT = 13:00 UTC.
        assert_eq!(
            h.next_open(ms("2026-03-07T12:00:00Z")),
            Some(ms("2026-03-08T13:00:00Z"))
        );
        let all_day = WorkingHours::new(TimeZone::UTC, 0, 24 * 60, "1,2,3,4,5,6,7").unwrap();
        assert!(all_day.is_open(ms("2026-11-28T23:59:00Z")));
        assert!(WorkingHours::new(TimeZone::UTC, 600, 540, "1").is_err());
        assert!(WorkingHours::new(TimeZone::UTC, 540, 600, "0,8,x").is_err());
    }
}
