//! Schedules as people write them — `08:00`, `8am`, `weekdays 08:30`, `mon,wed,fri 07:00` —
//! or a raw cron expression for power users, in an IANA time zone.
//!
//! Occurrences are computed in the subscription's own time zone, so 08:00 stays 08:00 local
//! through DST. Two local times need a deliberate answer: one that does not exist (the spring
//! gap, e.g. 02:30 in Berlin on the last Sunday of March) fires at the first instant after the
//! gap, and one that occurs twice (the autumn overlap) fires once, at its first occurrence.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;
use cron::TimeUnitSpec;

/// Days of the week as a bit set, Monday = bit 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(u8);

impl Days {
    pub const EVERY: Days = Days(0b111_1111);
    pub const WEEKDAYS: Days = Days(0b001_1111);
    pub const WEEKENDS: Days = Days(0b110_0000);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    fn with(self, day: Weekday) -> Days {
        Days(self.0 | (1 << day.num_days_from_monday()))
    }
}

impl fmt::Display for Days {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Days::EVERY => write!(f, "daily"),
            Days::WEEKDAYS => write!(f, "weekdays"),
            Days::WEEKENDS => write!(f, "weekends"),
            days => {
                let names: Vec<&str> = ALL_DAYS
                    .iter()
                    .filter(|d| days.contains(**d))
                    .map(|d| short_name(*d))
                    .collect();
                write!(f, "{}", names.join(","))
            }
        }
    }
}

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn short_name(day: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.num_days_from_monday() as usize]
}

fn weekday(name: &str) -> Option<Weekday> {
    let lower = name.to_lowercase();
    let key = lower.get(..3)?;
    ALL_DAYS.iter().copied().find(|d| short_name(*d) == key)
}

#[derive(Debug, Clone)]
pub enum Schedule {
    /// A local time on some days of the week.
    Daily { time: NaiveTime, days: Days },
    /// A cron expression (6 or 7 fields, seconds first), kept with the text it came from.
    Cron {
        expression: String,
        schedule: Box<cron::Schedule>,
    },
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

/// A mistake in a schedule, phrased for the person who typed it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(pub String);

impl fmt::Display for Schedule {
    /// The canonical text, which `FromStr` reads back (this is what storage keeps).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Daily { time, days } if *days == Days::EVERY => {
                write!(f, "{}", time.format("%H:%M"))
            }
            Schedule::Daily { time, days } => write!(f, "{days} {}", time.format("%H:%M")),
            Schedule::Cron { expression, .. } => write!(f, "cron {expression}"),
        }
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() {
            return Err(ScheduleError(
                "Empty schedule — try 08:00 or weekdays 08:30".into(),
            ));
        }
        if words[0].eq_ignore_ascii_case("cron") {
            return parse_cron(&words[1..].join(" "));
        }
        if words.len() >= 3 && words.iter().all(|w| looks_like_cron_field(w)) {
            return parse_cron(&words.join(" "));
        }
        let mut time = None;
        let mut days = None;
        for word in &words {
            if let Some(parsed) = parse_days(word) {
                if days.is_some() {
                    return Err(ScheduleError(format!(
                        "Days given twice in \"{text}\" — write them once, like mon,wed,fri"
                    )));
                }
                days = Some(parsed);
            } else if looks_like_time(word) {
                if time.is_some() {
                    return Err(ScheduleError(format!(
                        "Two times in \"{text}\" — one subscription posts once a day; subscribe twice for two times"
                    )));
                }
                time = Some(parse_time(word)?);
            } else {
                return Err(ScheduleError(format!(
                    "Could not read \"{word}\" in a schedule — try 08:00, 8am, weekdays 08:30 or mon,wed,fri 07:00"
                )));
            }
        }
        let time = time.ok_or_else(|| {
            ScheduleError(format!(
                "No time in \"{text}\" — add one, like {text} 08:00"
            ))
        })?;
        Ok(Schedule::Daily {
            time,
            days: days.unwrap_or(Days::EVERY),
        })
    }
}

fn looks_like_time(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn looks_like_cron_field(word: &str) -> bool {
    word.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '/' | ',' | '-' | '?'))
        && (word.contains(['*', '/', '?'])
            || word
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '-'))
}

/// `08:00`, `8:30`, `8am`, `8:30pm`, `20h`, `0800`.
pub fn parse_time(word: &str) -> Result<NaiveTime, ScheduleError> {
    let lower = word.to_lowercase();
    let invalid = || ScheduleError(format!("Could not read \"{word}\" as a time — try 08:00"));
    let (body, meridiem) = if let Some(rest) = lower.strip_suffix("am") {
        (rest, Some(false))
    } else if let Some(rest) = lower.strip_suffix("pm") {
        (rest, Some(true))
    } else {
        (lower.strip_suffix('h').unwrap_or(&lower), None)
    };
    let (hour, minute) = match body.split_once([':', '.']) {
        Some((h, m)) => (
            h.parse::<u32>().map_err(|_| invalid())?,
            m.parse::<u32>().map_err(|_| invalid())?,
        ),
        // Four ASCII digits only: slicing other text at byte 2 could split a character.
        None if body.len() == 4 && body.is_ascii() && meridiem.is_none() => (
            body[..2].parse::<u32>().map_err(|_| invalid())?,
            body[2..].parse::<u32>().map_err(|_| invalid())?,
        ),
        None => (body.parse::<u32>().map_err(|_| invalid())?, 0),
    };
    let hour = match meridiem {
        Some(_) if !(1..=12).contains(&hour) => return Err(invalid()),
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
        None => hour,
    };
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(invalid)
}

/// `daily`, `weekdays`, `weekends`, `mon,wed,fri`, `mon-fri`, `monday`.
fn parse_days(word: &str) -> Option<Days> {
    match word.to_lowercase().as_str() {
        "daily" | "everyday" | "every-day" => return Some(Days::EVERY),
        "weekdays" | "workdays" => return Some(Days::WEEKDAYS),
        "weekends" | "weekend" => return Some(Days::WEEKENDS),
        _ => {}
    }
    let mut days = Days(0);
    for part in word.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (weekday(from)?, weekday(to)?);
                let mut day = from;
                loop {
                    days = days.with(day);
                    if day == to {
                        break;
                    }
                    day = day.succ();
                }
            }
            None => days = days.with(weekday(part).filter(|_| part.len() >= 3)?),
        }
    }
    (days != Days(0)).then_some(days)
}

fn parse_cron(expression: &str) -> Result<Schedule, ScheduleError> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    // The cron crate wants seconds first and counts weekdays from 1 = Sunday; people write the
    // five-field Unix form with 0 = Sunday. Translate so "0 8 * * 1-5" means weekdays.
    let normalised = match fields.len() {
        5 => format!(
            "0 {} {} {} {} {}",
            fields[0],
            fields[1],
            fields[2],
            fields[3],
            unix_weekdays(fields[4])?
        ),
        6 | 7 => fields.join(" "),
        _ => {
            return Err(ScheduleError(format!(
                "\"{expression}\" has {} fields; a cron expression has 5 (min hour day month weekday) or 6–7 with seconds first",
                fields.len()
            )));
        }
    };
    let schedule = cron::Schedule::from_str(&normalised).map_err(|e| {
        ScheduleError(format!(
            "Could not read cron expression \"{expression}\": {e}"
        ))
    })?;
    Ok(Schedule::Cron {
        expression: normalised,
        schedule: Box::new(schedule),
    })
}

fn unix_weekdays(field: &str) -> Result<String, ScheduleError> {
    const NAMES: [&str; 8] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let mut out = String::new();
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| -> Result<(), ScheduleError> {
        if number.is_empty() {
            return Ok(());
        }
        let index: usize = number
            .parse()
            .map_err(|_| ScheduleError(format!("bad weekday {number}")))?;
        let name = NAMES.get(index).ok_or_else(|| {
            ScheduleError(format!(
                "weekday {index} is out of range 0–7 (0 and 7 are Sunday)"
            ))
        })?;
        out.push_str(name);
        number.clear();
        Ok(())
    };
    let mut after_slash = false;
    for c in field.chars() {
        if c.is_ascii_digit() && !after_slash {
            number.push(c);
            continue;
        }
        flush(&mut number, &mut out)?;
        after_slash = c == '/' || (after_slash && c.is_ascii_digit());
        out.push(c);
    }
    flush(&mut number, &mut out)?;
    Ok(out)
}

impl Schedule {
    /// No two runs closer than an hour apart. A cron product of fields fires more than once
    /// in some hour exactly when it lists more than one second or more than one minute, so
    /// this is exact, not a sample of upcoming runs. Daily schedules always qualify.
    pub fn at_most_hourly(&self) -> bool {
        match self {
            Schedule::Daily { .. } => true,
            Schedule::Cron { schedule, .. } => {
                schedule.seconds().count() == 1 && schedule.minutes().count() == 1
            }
        }
    }

    /// The first occurrence strictly after `after`, as a UTC instant.
    pub fn next_after(&self, after: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Daily { time, days } => {
                let local_date = after.with_timezone(&zone).date_naive();
                // Start a day early: a time just past midnight UTC may still be "yesterday" locally.
                (-1..=8)
                    .filter_map(|offset| local_date.checked_add_signed(Duration::days(offset)))
                    .filter(|date| days.contains(date.weekday()))
                    .filter_map(|date| resolve_local(zone, date, *time))
                    .find(|candidate| *candidate > after)
            }
            Schedule::Cron { schedule, .. } => {
                let previous_local = after.with_timezone(&zone).naive_local();
                schedule
                    .after(&after.with_timezone(&zone))
                    // The autumn overlap makes cron yield the same wall time twice; fire once.
                    .find(|candidate| {
                        candidate.naive_local() != previous_local
                            && candidate.with_timezone(&Utc) > after
                    })
                    .map(|candidate| candidate.with_timezone(&Utc))
            }
        }
    }

    /// A plain-words description for replies: "08:00 on weekdays (Europe/Berlin)".
    pub fn describe(&self, zone: Tz) -> String {
        match self {
            Schedule::Daily { time, days } if *days == Days::EVERY => {
                format!("{} daily ({zone})", time.format("%H:%M"))
            }
            Schedule::Daily { time, days } => {
                format!("{} on {days} ({zone})", time.format("%H:%M"))
            }
            Schedule::Cron { expression, .. } => format!("cron \"{expression}\" ({zone})"),
        }
    }
}

/// A local date and time as an instant: the earlier one when the time occurs twice, the first
/// instant after the gap when it does not occur at all.
fn resolve_local(zone: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::new(date, time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(instant) => Some(instant.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
        // The wall clock jumped over `local`: the first minute that exists is the first
        // instant after the gap.
        LocalResult::None => (1..=180).find_map(|minutes| {
            match zone.from_local_datetime(&(local + Duration::minutes(minutes))) {
                LocalResult::Single(instant) | LocalResult::Ambiguous(instant, _) => {
                    Some(instant.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        }),
    }
}

/// Reads an IANA time zone name, forgiving case ("europe/berlin").
pub fn parse_zone(name: &str) -> Result<Tz, ScheduleError> {
    Tz::from_str_insensitive(name.trim()).map_err(|_| {
        ScheduleError(format!("Unknown time zone \"{name}\" — use an IANA name like Europe/Berlin, America/New_York or UTC"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn schedule(text: &str) -> Schedule {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Occurrences from `start` on, as local wall-clock strings.
    fn occurrences(text: &str, zone: &str, start: &str, count: usize) -> Vec<String> {
        let zone = parse_zone(zone).expect("zone");
        let schedule = schedule(text);
        let mut at = utc(start);
        let mut out = Vec::new();
        for _ in 0..count {
            at = schedule.next_after(at, zone).expect("next");
            out.push(
                at.with_timezone(&zone)
                    .format("%a %Y-%m-%d %H:%M %Z")
                    .to_string(),
            );
        }
        out
    }

    #[test]
    fn only_schedules_an_hour_apart_count_as_at_most_hourly() {
        for text in [
            "08:00",
            "weekdays 08:30",
            "0 8 * * *",
            "0 * * * *",
            "15 */2 * * 1-5",
        ] {
            assert!(schedule(text).at_most_hourly(), "{text}");
            // Checked against the runs themselves, across the spring DST change.
            let zone = parse_zone("Europe/Berlin").expect("zone");
            let mut previous = schedule(text)
                .next_after(utc("2026-03-28T00:00:00Z"), zone)
                .expect("first run");
            for _ in 0..60 {
                let next = schedule(text).next_after(previous, zone).expect("next");
                assert!(
                    next - previous >= Duration::hours(1),
                    "{text}: {previous} → {next}"
                );
                previous = next;
            }
        }
        for text in [
            "* * * * *",
            "cron * * * * * *",
            "*/5 * * * *",
            "0,30 8 * * *",
            "cron */10 0 8 * * *",
            "59,0 * * * *",
        ] {
            assert!(!schedule(text).at_most_hourly(), "{text}");
        }
    }

    #[test]
    fn friendly_forms_parse_and_round_trip() {
        for (input, canonical) in [
            ("08:00", "08:00"),
            ("8am", "08:00"),
            ("8:30pm", "20:30"),
            ("12am", "00:00"),
            ("weekdays 08:30", "weekdays 08:30"),
            ("mon,wed,fri 07:00", "mon,wed,fri 07:00"),
            ("07:00 Mon-Wed", "mon,tue,wed 07:00"),
            ("weekends 9", "weekends 09:00"),
            ("0 8 * * 1-5", "cron 0 0 8 * * Mon-Fri"),
            ("cron 0 30 7 * * Sat", "cron 0 30 7 * * Sat"),
        ] {
            let parsed = schedule(input);
            assert_eq!(parsed.to_string(), canonical, "{input}");
            assert_eq!(schedule(canonical), parsed, "{canonical} reads back");
        }
    }

    #[test]
    fn mistakes_get_helpful_messages() {
        let message = |text: &str| text.parse::<Schedule>().unwrap_err().0;
        assert_eq!(
            message("25:00"),
            "Could not read \"25:00\" as a time — try 08:00"
        );
        assert!(message("13pm").contains("13pm"));
        assert!(message("weekdays").contains("No time"));
        assert!(message("noonish").contains("noonish"));
        assert!(message("0 8 * * 9").contains("out of range"));
        assert!(message("1 2 3").contains("has 3 fields"));
        // Four bytes that are not four digits (found by the fuzz suite: it used to panic).
        assert!(message("0¡a").contains("as a time"));
        assert!(
            parse_zone("Mars/Olympus")
                .unwrap_err()
                .0
                .contains("Europe/Berlin")
        );
        assert_eq!(
            parse_zone("europe/berlin").expect("zone"),
            chrono_tz::Europe::Berlin
        );
    }

    #[test]
    fn berlin_keeps_local_time_across_both_transitions() {
        // Spring forward: 29 March 2026; fall back: 25 October 2026.
        assert_eq!(
            occurrences("08:00", "Europe/Berlin", "2026-03-27T12:00:00Z", 3),
            [
                "Sat 2026-03-28 08:00 CET",
                "Sun 2026-03-29 08:00 CEST",
                "Mon 2026-03-30 08:00 CEST"
            ]
        );
        assert_eq!(
            occurrences("08:00", "Europe/Berlin", "2026-10-23T12:00:00Z", 3),
            [
                "Sat 2026-10-24 08:00 CEST",
                "Sun 2026-10-25 08:00 CET",
                "Mon 2026-10-26 08:00 CET"
            ]
        );
        // 02:30 does not exist on 29 March: fire right after the gap, once.
        assert_eq!(
            occurrences("02:30", "Europe/Berlin", "2026-03-28T12:00:00Z", 2),
            ["Sun 2026-03-29 03:00 CEST", "Mon 2026-03-30 02:30 CEST"]
        );
        // 02:30 happens twice on 25 October: fire once, at the first.
        assert_eq!(
            occurrences("02:30", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
            ["Sun 2026-10-25 02:30 CEST", "Mon 2026-10-26 02:30 CET"]
        );
    }

    #[test]
    fn new_york_weekdays_across_both_transitions() {
        // Spring forward: 8 March 2026; fall back: 1 November 2026.
        assert_eq!(
            occurrences(
                "weekdays 08:00",
                "America/New_York",
                "2026-03-06T14:00:00Z",
                2
            ),
            ["Mon 2026-03-09 08:00 EDT", "Tue 2026-03-10 08:00 EDT"]
        );
        assert_eq!(
            occurrences(
                "weekdays 08:00",
                "America/New_York",
                "2026-10-30T14:00:00Z",
                2
            ),
            ["Mon 2026-11-02 08:00 EST", "Tue 2026-11-03 08:00 EST"]
        );
        assert_eq!(
            occurrences("01:30", "America/New_York", "2026-10-31T12:00:00Z", 2),
            ["Sun 2026-11-01 01:30 EDT", "Mon 2026-11-02 01:30 EST"]
        );
    }

    #[test]
    fn cron_fires_once_in_the_autumn_overlap_and_follows_weekdays() {
        assert_eq!(
            occurrences("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2),
            ["Sun 2026-11-01 01:30 EDT", "Mon 2026-11-02 01:30 EST"]
        );
        assert_eq!(
            occurrences("0 8 * * 1-5", "Europe/Berlin", "2026-03-27T12:00:00Z", 2),
            ["Mon 2026-03-30 08:00 CEST", "Tue 2026-03-31 08:00 CEST"]
        );
    }
}
