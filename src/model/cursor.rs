//! Where a page of the ledger stops: `YYYY-MM-DD_ID` of its last activity, newest
//! first. One type and one strict parser for every front door (the REST trades
//! route and the `/trades` page), so a cursor one accepts the other accepts too.

use super::Activity;
use chrono::NaiveDate;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub date: NaiveDate,
    pub id: i64,
}

impl Cursor {
    /// The cursor just after `activity`.
    pub fn after(activity: &Activity) -> Self {
        Self { date: activity.date, id: activity.id }
    }

    /// Exactly the form `to_string` writes: a date of 10 characters, `_`, and
    /// digits; anything else (`2026-3-2_17`, `2026-03-02_+17`, spaces) is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let bytes = raw.as_bytes();
        let shaped = bytes.len() > 11
            && bytes[10] == b'_'
            && bytes[..10]
                .iter()
                .enumerate()
                .all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
            && bytes[11..].iter().all(u8::is_ascii_digit);
        if !shaped {
            return None;
        }
        let (date, id) = raw.split_at(10);
        Some(Self { date: date.parse().ok()?, id: id[1..].parse().ok()? })
    }

    /// True for activities that come after this cursor, newest first.
    pub fn is_before(&self, activity: &Activity) -> bool {
        (activity.date, activity.id) < (self.date, self.id)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.date, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_exactly_what_it_writes() {
        let cursor = Cursor { date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), id: 17 };
        assert_eq!(cursor.to_string(), "2026-03-02_17");
        assert_eq!(Cursor::parse("2026-03-02_17"), Some(cursor));
        for bad in
            ["", "2026-3-2_17", "2026-03-02_+17", "2026-03-02_", "2026-03-02 17", " 2026-03-02_17", "2026-02-30_1"]
        {
            assert_eq!(Cursor::parse(bad), None, "{bad:?}");
        }
    }
}
