//! PostgreSQL's binary `NUMERIC` format to and from a scaled `i128` (Arrow's
//! `Decimal128`). The wire form is a sign, a weight and base-10000 digits; `dscale` is
//! the number of decimal digits after the point.

/// Decodes a binary `NUMERIC` to an unscaled value at `scale`, rounding half up as
/// Flink's `DecimalData` does. `Ok(None)` when the value does not fit `precision` digits
/// (Flink reads such a value as NULL); an error for NaN and infinities.
pub fn decode_numeric(raw: &[u8], precision: u8, scale: i8) -> Result<Option<i128>, String> {
    if raw.len() < 8 {
        return Err("a NUMERIC value is shorter than its header".to_string());
    }
    let ndigits = i16::from_be_bytes([raw[0], raw[1]]);
    let weight = i16::from_be_bytes([raw[2], raw[3]]) as i32;
    let sign = u16::from_be_bytes([raw[4], raw[5]]);
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Err("NaN does not fit a DECIMAL".to_string()),
        _ => return Err("an infinite NUMERIC does not fit a DECIMAL".to_string()),
    }
    let ndigits = ndigits.max(0) as usize;
    if raw.len() < 8 + 2 * ndigits {
        return Err("a NUMERIC value is shorter than its digits".to_string());
    }
    // The value is sum(digit[i] * 10000^(weight - i)). Accumulate it scaled by 10^scale:
    // every digit group contributes digit * 10^(4 * (weight - i) + scale).
    let scale = scale as i32;
    let mut value: i128 = 0;
    let mut round_up = false;
    for i in 0..ndigits {
        let digit = i16::from_be_bytes([raw[8 + 2 * i], raw[9 + 2 * i]]) as i128;
        let exp = 4 * (weight - i as i32) + scale;
        if exp >= 0 {
            let term = pow10(exp as u32).and_then(|p| p.checked_mul(digit));
            value = match term.and_then(|t| value.checked_add(t)) {
                Some(v) => v,
                None => return Ok(None),
            };
        } else if exp > -4 {
            // Part of this group is below the scale: keep the high part, round on the rest.
            let div = pow10((-exp) as u32).unwrap_or(1);
            value = match value.checked_add(digit / div) {
                Some(v) => v,
                None => return Ok(None),
            };
            if !round_up && (digit % div) * 2 >= div {
                round_up = true;
            }
            break;
        } else {
            if exp == -4 && digit >= 5000 {
                round_up = true;
            }
            break;
        }
    }
    if round_up {
        value += 1;
    }
    let limit = pow10(precision as u32).unwrap_or(i128::MAX);
    if value >= limit {
        return Ok(None);
    }
    Ok(Some(if sign == 0x4000 { -value } else { value }))
}

/// Encodes an unscaled value at `scale` (≥ 0) as a binary `NUMERIC`.
pub fn encode_numeric(value: i128, scale: i8, out: &mut Vec<u8>) {
    let scale = scale.max(0) as usize;
    let negative = value < 0;
    let digits = value.unsigned_abs().to_string();
    // Split into the integer and fraction digit strings, padding the integer part to a
    // multiple of 4 on the left and the fraction to a multiple of 4 on the right.
    let (int_part, frac_part) = if digits.len() > scale {
        (digits[..digits.len() - scale].to_string(), digits[digits.len() - scale..].to_string())
    } else {
        (String::new(), format!("{}{}", "0".repeat(scale - digits.len()), digits))
    };
    let int_pad = (4 - int_part.len() % 4) % 4;
    let int_padded = format!("{}{}", "0".repeat(int_pad), int_part);
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let frac_padded = format!("{}{}", frac_part, "0".repeat(frac_pad));
    let mut groups: Vec<i16> = Vec::new();
    for chunk in int_padded.as_bytes().chunks(4).chain(frac_padded.as_bytes().chunks(4)) {
        let n = chunk.iter().fold(0i16, |acc, b| acc * 10 + (b - b'0') as i16);
        groups.push(n);
    }
    let mut weight = (int_padded.len() / 4) as i32 - 1;
    // Drop leading zero groups (each lowers the weight) and trailing zero groups.
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&(weight as i16).to_be_bytes());
    let sign: u16 = if negative && !groups.is_empty() { 0x4000 } else { 0 };
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&(scale as u16).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
}

fn pow10(exp: u32) -> Option<i128> {
    10i128.checked_pow(exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: i128, scale: i8, precision: u8) -> Option<i128> {
        let mut buf = Vec::new();
        encode_numeric(value, scale, &mut buf);
        decode_numeric(&buf, precision, scale).unwrap()
    }

    #[test]
    fn numerics_round_trip() {
        for (v, s) in [(0i128, 2i8), (12345, 2), (-12345, 2), (1, 5), (-99999999, 0), (10000, 0), (123456789012345678901234567890, 10), (5, 0)] {
            assert_eq!(round_trip(v, s, 38), Some(v), "{v} scale {s}");
        }
    }

    #[test]
    fn rescaling_rounds_half_up_and_overflow_is_none() {
        let mut buf = Vec::new();
        encode_numeric(12345, 3, &mut buf); // 12.345
        assert_eq!(decode_numeric(&buf, 10, 2).unwrap(), Some(1235));
        assert_eq!(decode_numeric(&buf, 10, 0).unwrap(), Some(12));
        assert_eq!(decode_numeric(&buf, 10, 5).unwrap(), Some(1234500));
        assert_eq!(decode_numeric(&buf, 3, 2).unwrap(), None);
        let mut buf = Vec::new();
        encode_numeric(-5, 1, &mut buf); // -0.5
        assert_eq!(decode_numeric(&buf, 10, 0).unwrap(), Some(-1));
    }
}
