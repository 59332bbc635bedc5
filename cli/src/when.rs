//! Times as people type and read them: in one zone per run, `--tz` (an IANA name such as
//! Europe/Berlin, UTC, or an offset such as +05:30), by default the system's. A time typed
//! without an offset is read in that zone and shown back in it; the store keeps UTC.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use panelnotes_core::Error;

#[derive(Clone, Debug)]
enum Zone {
    /// The system's zone (or the IANA zone `--tz` named, through TZ).
    Local(String),
    Fixed(FixedOffset, String),
}

static ZONE: OnceLock<Zone> = OnceLock::new();

fn zone() -> &'static Zone {
    ZONE.get_or_init(|| Zone::Local(std::env::var("TZ").ok().filter(|t| !t.is_empty()).unwrap_or_else(|| "local time".into())))
}

/// Chooses the zone for this run; call it before any time is parsed or shown.
pub fn set_zone(spec: Option<&str>) -> Result<(), Error> {
    let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let bad = || Error::InvalidArgument(format!("unknown time zone {spec:?}: use an IANA name such as Europe/Berlin, UTC, local, or an offset such as +05:30"));
    let zone = if spec.eq_ignore_ascii_case("utc") || spec == "Z" {
        Zone::Fixed(Utc.fix(), "UTC".into())
    } else if spec.eq_ignore_ascii_case("local") {
        return Ok(());
    } else if let Some(off) = parse_offset(spec) {
        Zone::Fixed(off, format!("UTC{spec}"))
    } else {
        // An IANA name: chrono's Local reads the system's zone database through TZ, so the
        // name must be one that database has (an unknown TZ would silently mean UTC).
        let dir = std::env::var("TZDIR").unwrap_or_else(|_| "/usr/share/zoneinfo".into());
        let known = !spec.contains("..") && std::path::Path::new(&dir).join(spec).is_file();
        if !known {
            return Err(bad());
        }
        // Set once, at start-up, before any thread exists.
        std::env::set_var("TZ", spec);
        Zone::Local(spec.to_owned())
    };
    let _ = ZONE.set(zone);
    Ok(())
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The zone's name, for headings.
pub fn zone_label() -> String {
    match zone() {
        Zone::Local(name) => name.clone(),
        Zone::Fixed(_, name) => name.clone(),
    }
}

/// `t` as "YYYY-MM-DD HH:MM" in the run's zone.
pub fn show(t: DateTime<Utc>) -> String {
    const F: &str = "%Y-%m-%d %H:%M";
    match zone() {
        Zone::Local(_) => t.with_timezone(&Local).format(F).to_string(),
        Zone::Fixed(off, _) => t.with_timezone(off).format(F).to_string(),
    }
}

fn from_local(naive: NaiveDateTime, input: &str) -> Result<DateTime<Utc>, Error> {
    let found = match zone() {
        Zone::Local(_) => Local.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)),
        Zone::Fixed(off, _) => off.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)),
    };
    found.ok_or_else(|| Error::InvalidDate {
        input: input.to_owned(),
        reason: format!("that time does not exist in {} (a clock change skips it)", zone_label()),
    })
}

/// "now", RFC 3339 (with its own offset), or "YYYY-MM-DD HH:MM", "YYYY-MM-DD" in the run's zone.
pub fn parse(input: &str) -> Result<DateTime<Utc>, Error> {
    let s = input.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(Utc::now());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return from_local(t, input);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return from_local(d.and_hms_opt(0, 0, 0).expect("midnight exists"), input);
    }
    Err(Error::InvalidDate {
        input: input.to_owned(),
        reason: format!("use \"now\", YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" ({}) or RFC 3339", zone_label()),
    })
}

pub fn date(input: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|e| Error::InvalidDate {
        input: input.to_owned(),
        reason: format!("expected YYYY-MM-DD ({e})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms_and_rejects_others() {
        set_zone(Some("+01:00")).unwrap();
        assert_eq!(parse("2026-03-02 09:30").unwrap().to_rfc3339(), "2026-03-02T08:30:00+00:00");
        assert_eq!(show(parse("2026-03-02 09:30").unwrap()), "2026-03-02 09:30");
        assert_eq!(parse("2026-03-02").unwrap().to_rfc3339(), "2026-03-01T23:00:00+00:00");
        assert_eq!(parse("2026-03-02T10:00:00+01:00").unwrap().to_rfc3339(), "2026-03-02T09:00:00+00:00");
        assert_eq!(zone_label(), "UTC+01:00");
        assert!(parse("now").is_ok());
        for bad in ["tomorrow", "2026-13-01", "02/03/2026", ""] {
            assert!(matches!(parse(bad), Err(Error::InvalidDate { .. })), "{bad}");
        }
        assert!(date("2026-02-30").is_err());
        assert_eq!(parse_offset("-05:30"), FixedOffset::east_opt(-(5 * 3600 + 30 * 60)));
        assert!(parse_offset("+25:00").is_none());
    }
}
