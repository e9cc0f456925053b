//! Feed dates as real feeds write them, not only as the specifications do.
//!
//! An item whose date cannot be read is stored with the time it was fetched, which drops it
//! out of every past window: a missed format loses news. So this reads what feedparser
//! reads (its `_parse_date_w3dtf`, `_parse_date_rfc822` and asctime handlers):
//! - W3C-DTF / ISO 8601 in every precision: `2026`, `2026-02`, `2026-02-28`,
//!   `2026-02-28T11:00+01:00` (no seconds, legal in RSS 1.0 and Atom 0.3), fractions, `Z`,
//!   `+0100`, `+01`, a space or lower-case `t` for the `T`, and the compact `20260228T110000Z`;
//! - RFC 822 and its variants: any or no weekday, one-digit days, full or short month names,
//!   two-digit years, month before day, no seconds, named zones (`GMT`, `EST`, `PDT`, military
//!   letters) or none (UTC), trailing comments like `(PST)`;
//! - asctime: `Sun Oct 19 08:15:00 2026`.
//!
//! A date without a zone is UTC, as in feedparser.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses one feed date; `None` when nothing sensible can be read.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 100 {
        return None;
    }
    w3c_dtf(text).or_else(|| rfc822(text))
}

/// W3C-DTF and the ISO 8601 forms feeds use.
fn w3c_dtf(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    if !bytes.first()?.is_ascii_digit() {
        return None;
    }
    let (date, rest) = iso_date(text)?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    let rest = rest.strip_prefix(['T', 't']).unwrap_or(rest).trim_start();
    let (time, zone) = iso_time(rest)?;
    let offset = match zone.trim() {
        "" => FixedOffset::east_opt(0)?,
        zone => zone_offset(zone)?,
    };
    local_to_utc(date.and_time(time), offset)
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYYMMDD`, and what follows.
fn iso_date(text: &str) -> Option<(NaiveDate, &str)> {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let year_len = digits(text);
    if year_len == 8 {
        let date = NaiveDate::parse_from_str(&text[..8], "%Y%m%d").ok()?;
        return Some((date, &text[8..]));
    }
    if year_len != 4 {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let mut rest = &text[4..];
    let mut month = 1;
    let mut day = 1;
    if let Some(after) = rest.strip_prefix('-')
        && digits(after) == 2
    {
        month = after[..2].parse().ok()?;
        rest = &after[2..];
        if let Some(after) = rest.strip_prefix('-')
            && digits(after) == 2
        {
            day = after[..2].parse().ok()?;
            rest = &after[2..];
        }
    }
    Some((NaiveDate::from_ymd_opt(year, month, day)?, rest))
}

/// `hh:mm[:ss[.fff]]` or `hhmm[ss]`, then the zone text.
fn iso_time(text: &str) -> Option<(NaiveTime, &str)> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.' || c == ','))
        .unwrap_or(text.len());
    let (clock, zone) = text.split_at(end);
    let (clock, fraction) = match clock.split_once(['.', ',']) {
        Some((clock, fraction)) => (clock, fraction),
        None => (clock, ""),
    };
    let parts: Vec<&str> = if clock.contains(':') {
        clock.split(':').collect()
    } else if clock.len() == 4 || clock.len() == 6 {
        (0..clock.len())
            .step_by(2)
            .map(|i| &clock[i..i + 2])
            .collect()
    } else {
        return None;
    };
    let (hour, minute, second) = hours_minutes_seconds(&parts)?;
    if parts.len() > 3 {
        return None;
    }
    let nanos = fraction_nanos(fraction);
    // Some feeds write 24:00 for midnight at the end of the day.
    let time = if hour == 24 && minute == 0 && second == 0 {
        NaiveTime::from_hms_opt(23, 59, 59)?
    } else {
        NaiveTime::from_hms_nano_opt(hour, minute, second.min(59), nanos)?
    };
    Some((time, zone))
}

fn fraction_nanos(fraction: &str) -> u32 {
    let digits: String = fraction
        .chars()
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    if digits.is_empty() {
        return 0;
    }
    let padded = format!("{digits:0<9}");
    padded.parse().unwrap_or(0)
}

/// A numeric (`+01:00`, `+0100`, `+01`, `Z`) or named (`GMT`, `EST`, `A`…`Z`) zone.
fn zone_offset(zone: &str) -> Option<FixedOffset> {
    let zone = zone.trim().trim_end_matches(')').trim();
    // "GMT+0800", "UTC-5": a name then an offset.
    let zone = ["GMT", "UTC", "UT"]
        .iter()
        .find_map(|name| {
            zone.strip_prefix(name)
                .filter(|rest| rest.starts_with(['+', '-']))
        })
        .unwrap_or(zone);
    if let Some(sign) = zone.chars().next().filter(|c| *c == '+' || *c == '-') {
        let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
        let (hours, minutes): (i32, i32) = match digits.len() {
            1 | 2 => (digits.parse().ok()?, 0),
            3 => (digits[..1].parse().ok()?, digits[1..].parse().ok()?),
            4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
            _ => return None,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        let seconds = (hours * 3600 + minutes * 60) * if sign == '-' { -1 } else { 1 };
        return FixedOffset::east_opt(seconds);
    }
    let hours = match zone.to_ascii_uppercase().as_str() {
        "Z" | "UT" | "UTC" | "GMT" | "WET" => 0,
        "BST" | "CET" | "WEST" => 1,
        "CEST" | "EET" => 2,
        "EEST" | "MSK" => 3,
        "IST" => return FixedOffset::east_opt(5 * 3600 + 1800),
        "CST" => -6, // North America; feeds from China write +0800 in practice
        "HKT" | "SGT" | "AWST" => 8,
        "JST" | "KST" => 9,
        "AEST" => 10,
        "AEDT" => 11,
        "EST" | "CDT" => -5,
        "EDT" | "AST" => -4,
        "ADT" => -3,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "AKST" => -9,
        "AKDT" => -8,
        "HST" => -10,
        // RFC 822 military zones; "J" is not a zone.
        letter if letter.len() == 1 => military(letter.as_bytes()[0])?,
        _ => return None,
    };
    FixedOffset::east_opt(hours * 3600)
}

fn military(letter: u8) -> Option<i32> {
    match letter {
        b'A'..=b'I' => Some(-i32::from(letter - b'A' + 1)),
        b'K'..=b'M' => Some(-i32::from(letter - b'K' + 10)),
        b'N'..=b'Y' => Some(i32::from(letter - b'N' + 1)),
        b'Z' => Some(0),
        _ => None,
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// RFC 822 and asctime, read as a bag of tokens: a month name, a day, a year, a clock and a
/// zone, in whatever order real feeds put them.
fn rfc822(text: &str) -> Option<DateTime<Utc>> {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c == ',' || c == '(' || c == ')' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut month = None;
    let mut numbers: Vec<&str> = Vec::new();
    let mut clock = None;
    let mut zone = None;
    for token in cleaned.split_whitespace() {
        let lower = token.to_ascii_lowercase();
        if token.contains(':') && clock.is_none() {
            // "08:15:00+0800": a clock with its zone glued on.
            // (A sign in first place is not the zone's; skip that character, whatever it is.)
            let first = token.chars().next().map_or(0, char::len_utf8);
            let split = token[first..]
                .find(['+', '-'])
                .map_or(token.len(), |i| i + first);
            clock = Some(&token[..split]);
            if split < token.len() {
                zone = Some(&token[split..]);
            }
        } else if token.starts_with(['+', '-']) && zone.is_none() {
            zone = Some(token);
        } else if token.chars().all(|c| c.is_ascii_digit()) {
            numbers.push(token);
        } else if let Some(index) = MONTHS
            .iter()
            .position(|m| lower.len() >= 3 && lower.starts_with(m))
        {
            if month.is_none() {
                month = Some(index as u32 + 1);
            }
        } else if zone.is_none() && !is_weekday(&lower) && zone_offset(token).is_some() {
            // A zone name ("EST") or a name with an offset ("GMT+0800").
            zone = Some(token);
        }
    }
    let month = month?;
    let (day, year) = day_and_year(&numbers)?;
    let time = match clock {
        Some(clock) => clock_time(clock)?,
        None => NaiveTime::from_hms_opt(0, 0, 0)?,
    };
    let offset = match zone {
        Some(zone) => zone_offset(zone).unwrap_or(FixedOffset::east_opt(0)?),
        None => FixedOffset::east_opt(0)?,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    local_to_utc(date.and_time(time), offset)
}

fn is_weekday(lower: &str) -> bool {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .any(|d| lower.starts_with(d))
}

/// The day and the year among the bare numbers: a four-digit number is the year; else the
/// last of two numbers, with two-digit years read as feedparser does (< 50 → 20xx).
fn day_and_year(numbers: &[&str]) -> Option<(u32, i32)> {
    let year_at = numbers
        .iter()
        .position(|n| n.len() == 4)
        .or_else(|| (numbers.len() >= 2).then_some(numbers.len() - 1))?;
    let year_text = numbers[year_at];
    let mut year: i32 = year_text.parse().ok()?;
    if year_text.len() <= 2 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let day = numbers
        .iter()
        .enumerate()
        .find(|(i, n)| *i != year_at && n.len() <= 2)
        .and_then(|(_, n)| n.parse().ok())?;
    Some((day, year))
}

fn clock_time(clock: &str) -> Option<NaiveTime> {
    let parts: Vec<&str> = clock.split(':').collect();
    let (hour, minute, second) = hours_minutes_seconds(&parts)?;
    if hour == 24 && minute == 0 {
        return NaiveTime::from_hms_opt(0, 0, second.min(59));
    }
    NaiveTime::from_hms_opt(hour, minute, second.min(59))
}

/// Hour, minute and (optional, default 0) second from one- or two-digit parts; a fraction
/// after the seconds is ignored here.
fn hours_minutes_seconds(parts: &[&str]) -> Option<(u32, u32, u32)> {
    let number = |s: &str| -> Option<u32> {
        let s = s.split('.').next()?;
        (!s.is_empty() && s.len() <= 2)
            .then(|| s.parse().ok())
            .flatten()
    };
    let hour = number(parts.first()?)?;
    let minute = number(parts.get(1)?)?;
    let second = parts.get(2).map_or(Some(0), |s| number(s))?;
    Some((hour, minute, second))
}

fn local_to_utc(local: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    offset
        .from_local_datetime(&local)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        parse_date(text)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn w3c_dtf_in_every_precision() {
        assert_eq!(at("2026-02-28T11:00+01:00"), "2026-02-28T10:00:00+00:00");
        assert_eq!(at("2026-02-28T11:00:30+01:00"), "2026-02-28T10:00:30+00:00");
        assert_eq!(
            at("2026-02-28T11:00:30.25Z"),
            "2026-02-28T11:00:30.250+00:00"
        );
        assert_eq!(at("2026-02-28T11:00Z"), "2026-02-28T11:00:00+00:00");
        assert_eq!(at("2026-02-28 11:00:00 +0100"), "2026-02-28T10:00:00+00:00");
        assert_eq!(at("2026-02-28t11:00:00-05"), "2026-02-28T16:00:00+00:00");
        assert_eq!(at("2026-02-28T11:00"), "2026-02-28T11:00:00+00:00");
        assert_eq!(at("2026-02-28"), "2026-02-28T00:00:00+00:00");
        assert_eq!(at("2026-02"), "2026-02-01T00:00:00+00:00");
        assert_eq!(at("2026"), "2026-01-01T00:00:00+00:00");
        assert_eq!(at("20260228T110000Z"), "2026-02-28T11:00:00+00:00");
    }

    #[test]
    fn rfc822_and_its_variants() {
        assert_eq!(
            at("Mon, 02 Mar 2026 06:00:00 +0100"),
            "2026-03-02T05:00:00+00:00"
        );
        assert_eq!(
            at("Mon, 2 Mar 2026 06:00:00 GMT"),
            "2026-03-02T06:00:00+00:00"
        );
        assert_eq!(
            at("Thurs, 5 Mar 2026 06:00 EST"),
            "2026-03-05T11:00:00+00:00"
        );
        assert_eq!(at("5 March 2026 06:00:00 PDT"), "2026-03-05T13:00:00+00:00");
        assert_eq!(
            at("19 Oct 2026 08:15:00 +0800"),
            "2026-10-19T00:15:00+00:00"
        );
        assert_eq!(
            at("Mon, 19 Oct 26 08:15:00 +0800"),
            "2026-10-19T00:15:00+00:00"
        );
        assert_eq!(at("Oct 19 2026 08:15:00 Z"), "2026-10-19T08:15:00+00:00");
        assert_eq!(at("Mon, 19 Oct 2026 08:15:00"), "2026-10-19T08:15:00+00:00");
        assert_eq!(
            at("Mon, 19 Oct 2026 8:15:00 -0400 (EDT)"),
            "2026-10-19T12:15:00+00:00"
        );
        assert_eq!(
            at("Mon, 19 Oct 2026 08:15:00 GMT+0800"),
            "2026-10-19T00:15:00+00:00"
        );
        assert_eq!(at("Sun Oct 19 08:15:00 2026"), "2026-10-19T08:15:00+00:00");
    }

    #[test]
    fn nonsense_is_none_not_a_guess() {
        for text in [
            "",
            "yesterday",
            "2026-13-45",
            "Mon, 45 Foo 2026",
            "12:00",
            "99999",
            // A clock token starting with a multi-byte character (found by the fuzz suite:
            // it used to panic).
            "¡:",
            "\u{202E}<t:0>",
        ] {
            assert_eq!(at(text), "none", "{text}");
        }
    }
}
