//! Literal values: numbers typed as Flink types them, date/time literals, intervals.

use sluice_expr::ScalarExpr;
use sluice_sql::ast::{IntervalQualifier, Literal, TimeUnit};
use sluice_sql::Span;
use sluice_types::temporal::{parse_date, parse_time_micros, parse_timestamp};
use sluice_types::{DataType, ScalarValue, TypeKind};

use crate::error::{user, PlanResult};

fn lit(value: ScalarValue, kind: TypeKind) -> ScalarExpr {
    ScalarExpr::Literal { value, data_type: DataType::not_null(kind) }
}

/// Types a literal as Flink does: `42` is `INT NOT NULL`, `1.5` is `DECIMAL(2, 1) NOT
/// NULL`, `1e3` is `DOUBLE NOT NULL`, `'abc'` is `CHAR(3) NOT NULL`.
pub fn bind_literal(literal: &Literal, span: Span) -> PlanResult<ScalarExpr> {
    Ok(match literal {
        Literal::Number(text) => bind_number(text, span)?,
        Literal::String(s) => {
            let length = s.chars().count() as u32;
            if length == 0 {
                // Flink types '' as CHAR(0), which cannot be stored; VARCHAR(0) behaves the same.
                lit(ScalarValue::String(String::new()), TypeKind::Varchar { length: 0 })
            } else {
                lit(ScalarValue::String(s.clone()), TypeKind::Char { length })
            }
        }
        Literal::Boolean(b) => lit(ScalarValue::Boolean(*b), TypeKind::Boolean),
        Literal::Null => ScalarExpr::Literal { value: ScalarValue::Null, data_type: DataType::new(TypeKind::Null) },
        Literal::Date(s) => {
            let days = parse_date(s).ok_or_else(|| user(format!("invalid DATE literal \"{s}\""), span))?;
            lit(ScalarValue::Date(days), TypeKind::Date)
        }
        Literal::Time(s) => {
            let micros = parse_time_micros(s).ok_or_else(|| user(format!("invalid TIME literal \"{s}\""), span))?;
            let precision = fraction_digits(s).min(3);
            lit(ScalarValue::Time((micros / 1000) as i32), TypeKind::Time { precision })
        }
        Literal::Timestamp(s) => {
            let micros = parse_timestamp(s).ok_or_else(|| user(format!("invalid TIMESTAMP literal \"{s}\""), span))?;
            let precision = fraction_digits(s).max(0);
            lit(ScalarValue::Timestamp(micros), TypeKind::Timestamp { precision })
        }
        Literal::Binary(hex) => {
            let bytes = decode_hex(hex).ok_or_else(|| user(format!("invalid binary literal X'{hex}'"), span))?;
            let length = bytes.len() as u32;
            lit(ScalarValue::Binary(bytes), TypeKind::Binary { length: length.max(1) })
        }
    })
}

fn fraction_digits(s: &str) -> u8 {
    s.rsplit_once('.').map(|(_, f)| f.trim().len().min(9) as u8).unwrap_or(0)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

fn bind_number(text: &str, span: Span) -> PlanResult<ScalarExpr> {
    if text.contains(['e', 'E']) {
        let v: f64 = text.parse().map_err(|_| user(format!("invalid number \"{text}\""), span))?;
        return Ok(lit(ScalarValue::Double(v), TypeKind::Double));
    }
    if let Some((int_part, frac_part)) = text.split_once('.') {
        let digits = format!("{int_part}{frac_part}");
        let trimmed = digits.trim_start_matches('0');
        let precision = trimmed.len().max(frac_part.len()).max(1);
        if precision > 38 {
            let v: f64 = text.parse().map_err(|_| user(format!("invalid number \"{text}\""), span))?;
            return Ok(lit(ScalarValue::Double(v), TypeKind::Double));
        }
        let value: i128 = if digits.is_empty() { 0 } else {
            digits.parse().map_err(|_| user(format!("invalid number \"{text}\""), span))?
        };
        let scale = frac_part.len() as i8;
        let precision = precision as u8;
        return Ok(lit(ScalarValue::Decimal { value, precision, scale }, TypeKind::Decimal { precision, scale }));
    }
    if let Ok(v) = text.parse::<i32>() {
        return Ok(lit(ScalarValue::Int(v), TypeKind::Int));
    }
    if let Ok(v) = text.parse::<i64>() {
        return Ok(lit(ScalarValue::BigInt(v), TypeKind::BigInt));
    }
    let value: i128 = text.parse().map_err(|_| user(format!("number \"{text}\" is out of range"), span))?;
    let precision = text.trim_start_matches('0').len().clamp(1, 38) as u8;
    Ok(lit(ScalarValue::Decimal { value, precision, scale: 0 }, TypeKind::Decimal { precision, scale: 0 }))
}

/// The value of `INTERVAL 'text' qualifier`: milliseconds for day-time intervals, months
/// for year-month ones.
pub fn interval_value(text: &str, negative: bool, q: &IntervalQualifier, span: Span) -> PlanResult<ScalarExpr> {
    let bad = || {
        user(format!("invalid interval literal \"{text}\" for {}", qualifier_text(q)), span)
            .with_hint("Write intervals like INTERVAL '10' SECOND, INTERVAL '1 02:00:00' DAY TO SECOND or INTERVAL '1-6' YEAR TO MONTH.")
    };
    let t = text.trim();
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) => (-1i64, rest.trim()),
        None => (1i64, t.strip_prefix('+').unwrap_or(t).trim()),
    };
    let sign = if negative { -sign } else { sign };
    let num = |s: &str| -> Option<i64> { s.trim().parse::<i64>().ok() };
    // Seconds with an optional fraction, in milliseconds.
    let secs = |s: &str| -> Option<i64> {
        let s = s.trim();
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let millis: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
        Some(num(whole)? * 1000 + millis)
    };
    use TimeUnit::*;
    let months = |v: i64| lit(ScalarValue::IntervalYearMonth((sign * v) as i32), TypeKind::IntervalYearMonth);
    let millis = |v: i64| lit(ScalarValue::IntervalDayTime(sign * v), TypeKind::IntervalDayTime);
    const S: i64 = 1000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;
    const D: i64 = 24 * H;
    let value = match (q.leading, q.trailing) {
        (Year, None) => months(num(t).ok_or_else(bad)? * 12),
        (Year, Some(Month)) => {
            let (y, m) = t.split_once('-').ok_or_else(bad)?;
            months(num(y).ok_or_else(bad)? * 12 + num(m).ok_or_else(bad)?)
        }
        (Month, None) => months(num(t).ok_or_else(bad)?),
        (Quarter, None) => months(num(t).ok_or_else(bad)? * 3),
        (Week, None) => millis(num(t).ok_or_else(bad)? * 7 * D),
        (Day, None) => millis(num(t).ok_or_else(bad)? * D),
        (Hour, None) => millis(num(t).ok_or_else(bad)? * H),
        (Minute, None) => millis(num(t).ok_or_else(bad)? * M),
        (Second, None) => millis(secs(t).ok_or_else(bad)?),
        (Millisecond, None) => millis(num(t).ok_or_else(bad)?),
        (Day, Some(trailing)) => {
            let (d, rest) = t.split_once(' ').ok_or_else(bad)?;
            millis(num(d).ok_or_else(bad)? * D + clock(rest, Hour, trailing).ok_or_else(bad)?)
        }
        (Hour, Some(trailing)) => millis(clock(t, Hour, trailing).ok_or_else(bad)?),
        (Minute, Some(trailing)) => millis(clock(t, Minute, trailing).ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    Ok(value)
}

/// `h:m:s.fff` (or a prefix of it, from `leading` to `trailing`) in milliseconds.
fn clock(text: &str, leading: TimeUnit, trailing: TimeUnit) -> Option<i64> {
    let units = [TimeUnit::Hour, TimeUnit::Minute, TimeUnit::Second];
    let start = units.iter().position(|u| *u == leading)?;
    let end = units.iter().position(|u| *u == trailing)?;
    if end < start {
        return None;
    }
    let parts: Vec<&str> = text.trim().split(':').collect();
    if parts.len() != end - start + 1 {
        return None;
    }
    let mut total = 0i64;
    for (i, part) in parts.iter().enumerate() {
        let unit = units[start + i];
        let v = if unit == TimeUnit::Second {
            let (whole, frac) = part.split_once('.').unwrap_or((part, ""));
            if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let ms: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
            whole.trim().parse::<i64>().ok()? * 1000 + ms
        } else {
            part.trim().parse::<i64>().ok()? * if unit == TimeUnit::Hour { 3_600_000 } else { 60_000 }
        };
        total += v;
    }
    Some(total)
}

fn qualifier_text(q: &IntervalQualifier) -> String {
    match q.trailing {
        Some(t) => format!("{} TO {}", q.leading.as_str(), t.as_str()),
        None => q.leading.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str, q: IntervalQualifier) -> i64 {
        match interval_value(text, false, &q, Span::default()).unwrap() {
            ScalarExpr::Literal { value: ScalarValue::IntervalDayTime(v), .. } => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn intervals() {
        let q = |l, t| IntervalQualifier { leading: l, trailing: t };
        assert_eq!(ms("10", q(TimeUnit::Second, None)), 10_000);
        assert_eq!(ms("1.5", q(TimeUnit::Second, None)), 1_500);
        assert_eq!(ms("5", q(TimeUnit::Minute, None)), 300_000);
        assert_eq!(ms("1 02:03", q(TimeUnit::Day, Some(TimeUnit::Minute))), 86_400_000 + 2 * 3_600_000 + 3 * 60_000);
        assert_eq!(ms("-1", q(TimeUnit::Hour, None)), -3_600_000);
        assert!(interval_value("x", false, &q(TimeUnit::Second, None), Span::default()).is_err());
    }

    #[test]
    fn numbers() {
        let t = |s: &str| bind_number(s, Span::default()).unwrap().data_type().to_string();
        assert_eq!(t("42"), "INT NOT NULL");
        assert_eq!(t("3000000000"), "BIGINT NOT NULL");
        assert_eq!(t("1.5"), "DECIMAL(2, 1) NOT NULL");
        assert_eq!(t("0.25"), "DECIMAL(2, 2) NOT NULL");
        assert_eq!(t("1e3"), "DOUBLE NOT NULL");
    }
}
