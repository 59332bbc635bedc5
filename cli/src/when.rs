//! Times as people type them: "now", RFC 3339, "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" (UTC).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use panelnotes_core::Error;

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
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(Error::InvalidDate {
        input: input.to_owned(),
        reason: "use \"now\", YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" (UTC) or RFC 3339".into(),
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
        assert_eq!(parse("2026-03-02 09:30").unwrap().to_rfc3339(), "2026-03-02T09:30:00+00:00");
        assert_eq!(parse("2026-03-02").unwrap().to_rfc3339(), "2026-03-02T00:00:00+00:00");
        assert_eq!(parse("2026-03-02T10:00:00+01:00").unwrap().to_rfc3339(), "2026-03-02T09:00:00+00:00");
        assert!(parse("now").is_ok());
        for bad in ["tomorrow", "2026-13-01", "02/03/2026", ""] {
            assert!(matches!(parse(bad), Err(Error::InvalidDate { .. })), "{bad}");
        }
        assert!(date("2026-02-30").is_err());
    }
}
