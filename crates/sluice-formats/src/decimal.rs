//! Exact `DECIMAL(p, s)` text conversion: parsing as `new BigDecimal(text)` followed by
//! Flink's `DecimalData.fromBigDecimal` (round half up to the scale, NULL when the value
//! needs more than `p` digits), and printing as `BigDecimal.toString` / `toPlainString`.

/// Parses decimal text (`-12.50`, `1e3`, `.5`) into an unscaled value at `scale`.
/// `Err(())` when the text is not a number; `Ok(None)` when it does not fit `precision`.
#[allow(clippy::result_unit_err)]
pub fn parse_decimal(text: &str, precision: u8, scale: i8) -> Result<Option<i128>, ()> {
    let b = text.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut digits: Vec<u8> = Vec::with_capacity(b.len());
    let mut frac_digits: i64 = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    while i < b.len() {
        match b[i] {
            d @ b'0'..=b'9' => {
                digits.push(d - b'0');
                seen_digit = true;
                if seen_point {
                    frac_digits += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            b'e' | b'E' => break,
            _ => return Err(()),
        }
        i += 1;
    }
    if !seen_digit {
        return Err(());
    }
    let mut exponent: i64 = 0;
    if i < b.len() {
        let exp_text = &text[i + 1..];
        let eb = exp_text.as_bytes();
        let body = match eb.first() {
            Some(b'+') | Some(b'-') => &eb[1..],
            _ => eb,
        };
        if body.is_empty() || body.len() > 9 || !body.iter().all(|d| d.is_ascii_digit()) {
            return Err(());
        }
        exponent = exp_text.parse::<i64>().map_err(|_| ())?;
    }
    // value = digits * 10^(exponent - frac_digits)
    let value_scale = frac_digits - exponent;
    let target = scale as i64;
    if value_scale > target {
        let drop = (value_scale - target) as usize;
        let round_up = if drop <= digits.len() {
            let first_dropped = digits[digits.len() - drop];
            digits.truncate(digits.len() - drop);
            first_dropped >= 5
        } else {
            digits.clear();
            false
        };
        if round_up {
            let mut k = digits.len();
            loop {
                if k == 0 {
                    digits.insert(0, 1);
                    break;
                }
                k -= 1;
                if digits[k] == 9 {
                    digits[k] = 0;
                } else {
                    digits[k] += 1;
                    break;
                }
            }
        }
    } else if value_scale < target {
        let add = (target - value_scale) as usize;
        if add > 80 {
            return if digits.iter().all(|d| *d == 0) { Ok(Some(0)) } else { Ok(None) };
        }
        digits.extend(std::iter::repeat_n(0, add));
    }
    let leading = digits.iter().take_while(|d| **d == 0).count();
    let significant = &digits[leading..];
    if significant.len() > precision as usize {
        return Ok(None);
    }
    let mut v: i128 = 0;
    for d in significant {
        v = v * 10 + *d as i128;
    }
    Ok(Some(if negative { -v } else { v }))
}

/// Appends `unscaled * 10^-scale` without an exponent (`BigDecimal.toPlainString`).
pub fn write_decimal_plain(out: &mut Vec<u8>, unscaled: i128, scale: i8) {
    if unscaled < 0 {
        out.push(b'-');
    }
    let digits = unscaled.unsigned_abs().to_string();
    if scale <= 0 {
        out.extend_from_slice(digits.as_bytes());
        if unscaled != 0 {
            out.extend(std::iter::repeat_n(b'0', (-(scale as i32)) as usize));
        }
        return;
    }
    let scale = scale as usize;
    if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(int.as_bytes());
        out.push(b'.');
        out.extend_from_slice(frac.as_bytes());
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
        out.extend_from_slice(digits.as_bytes());
    }
}

/// `BigDecimal.stripTrailingZeros`: the same value with the fewest digits (the scale may
/// become negative: 100 is `1` with scale -2). Zero becomes scale 0.
pub fn strip_trailing_zeros(mut unscaled: i128, mut scale: i8) -> (i128, i8) {
    if unscaled == 0 {
        return (0, 0);
    }
    while unscaled % 10 == 0 && scale > i8::MIN {
        unscaled /= 10;
        scale -= 1;
    }
    (unscaled, scale)
}

/// Appends the value as Java's `BigDecimal.toString`: plain when the scale is not negative
/// and the adjusted exponent is at least -6, scientific (`1E-7`, `1.5E+3`) otherwise.
pub fn write_decimal_java(out: &mut Vec<u8>, unscaled: i128, scale: i8) {
    let digits = unscaled.unsigned_abs().to_string();
    let adjusted = digits.len() as i64 - 1 - scale as i64;
    if scale >= 0 && adjusted >= -6 {
        write_decimal_plain(out, unscaled, scale);
        return;
    }
    if unscaled < 0 {
        out.push(b'-');
    }
    out.push(digits.as_bytes()[0]);
    if digits.len() > 1 {
        out.push(b'.');
        out.extend_from_slice(&digits.as_bytes()[1..]);
    }
    out.push(b'E');
    if adjusted >= 0 {
        out.push(b'+');
    }
    out.extend_from_slice(adjusted.to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(v: i128, s: i8) -> String {
        let mut o = Vec::new();
        write_decimal_plain(&mut o, v, s);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn strips_like_java() {
        let java = |v: i128, s: i8| {
            let (v, s) = strip_trailing_zeros(v, s);
            let mut o = Vec::new();
            write_decimal_java(&mut o, v, s);
            String::from_utf8(o).unwrap()
        };
        assert_eq!(java(1230, 2), "12.3");
        assert_eq!(java(700, 2), "7");
        assert_eq!(java(10000, 2), "1E+2");
        assert_eq!(java(0, 2), "0");
        assert_eq!(java(-101, 2), "-1.01");
    }

    #[test]
    fn parses_exactly_with_half_up() {
        assert_eq!(parse_decimal("12.345", 10, 2), Ok(Some(1235)));
        assert_eq!(parse_decimal("-12.345", 10, 2), Ok(Some(-1235)));
        assert_eq!(parse_decimal("1e3", 10, 2), Ok(Some(100000)));
        assert_eq!(parse_decimal("799.929496989092949698", 38, 18), Ok(Some(799929496989092949698)));
        assert_eq!(parse_decimal("99.995", 4, 2), Ok(None));
        assert_eq!(parse_decimal("abc", 10, 3), Err(()));
        assert_eq!(parse_decimal("0.001", 5, 2), Ok(Some(0)));
        assert_eq!(parse_decimal(".5", 5, 0), Ok(Some(1)));
    }

    #[test]
    fn prints_like_big_decimal() {
        assert_eq!(plain(1235, 2), "12.35");
        assert_eq!(plain(-5, 3), "-0.005");
        assert_eq!(plain(0, 2), "0.00");
        let mut o = Vec::new();
        write_decimal_java(&mut o, 1, 7);
        assert_eq!(o, b"1E-7");
        o.clear();
        write_decimal_java(&mut o, 15, -2);
        assert_eq!(o, b"1.5E+3");
    }
}
