//! Appending JSON text to a reused byte buffer without allocating per record: integers
//! through `itoa`, fixed-point decimals and timestamps by hand.

/// Appends `"text"`. The text must need no JSON escaping (the generators only write
/// their own constant names and digits).
pub(crate) fn push_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Appends an integer.
pub(crate) fn push_int(out: &mut Vec<u8>, value: i64) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(value).as_bytes());
}

/// Appends `value / 10^scale` the way Python prints a float rounded to `scale` digits:
/// trailing zeros of the fraction dropped, but at least one digit after the dot
/// (`76.79`, `164.6645`, `78.0`).
pub(crate) fn push_fixed(out: &mut Vec<u8>, value: i64, scale: u32) {
    let divisor = 10i64.pow(scale);
    if value < 0 {
        out.push(b'-');
    }
    let magnitude = value.unsigned_abs();
    let whole = magnitude / divisor as u64;
    let mut frac = magnitude % divisor as u64;
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(whole).as_bytes());
    out.push(b'.');
    if frac == 0 {
        out.push(b'0');
        return;
    }
    let mut digits = scale;
    while frac % 10 == 0 {
        frac /= 10;
        digits -= 1;
    }
    let text = buf.format(frac);
    for _ in text.len() as u32..digits {
        out.push(b'0');
    }
    out.extend_from_slice(text.as_bytes());
}

/// The proleptic Gregorian (year, month, day) of a day number since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn push_padded(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let text = buf.format(value);
    for _ in text.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(text.as_bytes());
}

/// Appends `"yyyy-MM-dd HH:mm:ss.SSS"` (or without the milliseconds) for epoch
/// milliseconds read as UTC wall-clock time, Flink's SQL timestamp text.
pub(crate) fn push_timestamp(out: &mut Vec<u8>, epoch_millis: i64, with_millis: bool) {
    let days = epoch_millis.div_euclid(86_400_000);
    let millis_of_day = epoch_millis.rem_euclid(86_400_000) as u64;
    let (year, month, day) = civil_from_days(days);
    out.push(b'"');
    push_padded(out, year.max(0) as u64, 4);
    out.push(b'-');
    push_padded(out, month as u64, 2);
    out.push(b'-');
    push_padded(out, day as u64, 2);
    out.push(b' ');
    let seconds = millis_of_day / 1000;
    push_padded(out, seconds / 3600, 2);
    out.push(b':');
    push_padded(out, seconds / 60 % 60, 2);
    out.push(b':');
    push_padded(out, seconds % 60, 2);
    if with_millis {
        out.push(b'.');
        push_padded(out, millis_of_day % 1000, 3);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fixed_point_like_python() {
        assert_eq!(text(|o| push_fixed(o, 78_885, 3)), "78.885");
        assert_eq!(text(|o| push_fixed(o, 76_790, 3)), "76.79");
        assert_eq!(text(|o| push_fixed(o, 78_000, 3)), "78.0");
        assert_eq!(text(|o| push_fixed(o, 5, 3)), "0.005");
        assert_eq!(text(|o| push_fixed(o, -97_255, 5)), "-0.97255");
        assert_eq!(text(|o| push_fixed(o, 16_466_450, 5)), "164.6645");
        assert_eq!(text(|o| push_fixed(o, 100_000, 3)), "100.0");
    }

    #[test]
    fn timestamps_like_flink() {
        // 2021-10-11 12:52:53.100 UTC
        assert_eq!(text(|o| push_timestamp(o, 1_633_956_773_100, true)), "\"2021-10-11 12:52:53.100\"");
        assert_eq!(text(|o| push_timestamp(o, 1_633_956_773_100, false)), "\"2021-10-11 12:52:53\"");
        assert_eq!(text(|o| push_timestamp(o, 0, true)), "\"1970-01-01 00:00:00.000\"");
        assert_eq!(text(|o| push_timestamp(o, 951_782_400_000, false)), "\"2000-02-29 00:00:00\"");
        for days in [-1000i64, 0, 59, 365, 11_016, 19_000, 30_000] {
            let (y, m, d) = civil_from_days(days);
            let date = chrono::NaiveDate::from_ymd_opt(y as i32, m, d).unwrap();
            assert_eq!(sluice_types::temporal::days_from_date(date) as i64, days);
        }
    }
}
