//! Time buckets shared by the recorder (which keeps the rollups), the summary (which reads
//! them) and the prune (which trims them): UTC hours and UTC days.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

/// Start of the UTC hour containing `t`.
pub fn hour_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    t - Duration::seconds(i64::from(t.minute() * 60 + t.second()))
        - Duration::nanoseconds(i64::from(t.nanosecond()))
}

/// Start of the first UTC hour at or after `t`.
pub fn hour_ceil(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = hour_floor(t);
    if floor == t {
        t
    } else {
        floor + Duration::hours(1)
    }
}

/// Midnight (UTC) starting `day`.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The UTC days that share at least an instant with `[from, to)`, oldest first (empty when
/// `from >= to`).
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    if from >= to {
        return Vec::new();
    }
    let last = (to - Duration::microseconds(1)).date_naive();
    from.date_naive()
        .iter_days()
        .take_while(|d| *d <= last)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn buckets() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 9, 17, 3).unwrap() + Duration::microseconds(5);
        let h = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        assert_eq!(hour_floor(t), h);
        assert_eq!(hour_ceil(t), h + Duration::hours(1));
        assert_eq!(hour_floor(h), h);
        assert_eq!(hour_ceil(h), h);
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            day_start(d),
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
        );
        assert_eq!(days_between(h - Duration::days(1), h).len(), 2);
        let midnight = day_start(d);
        assert_eq!(
            days_between(midnight - Duration::days(1), midnight),
            vec![d.pred_opt().unwrap()]
        );
        assert_eq!(days_between(h - Duration::days(7), h).len(), 8);
        assert!(days_between(h, h).is_empty());
    }
}
