//! Digests and byte encodings: `MD5`, `SHA1`, `SHA2`, `SHA224` .. `SHA512`, `HEX`, `UNHEX`,
//! `BIN`, `ENCODE` and `DECODE`. Digests hash the UTF-8 bytes of a string and print them as
//! lowercase hex, as Flink's `SqlFunctionUtils.hash` does; `HEX` prints uppercase.

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::registry::{any_nullable, arity, coerce, literal_string, make_call, no_match, string_kind, stringish};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] =
    &["MD5", "SHA1", "SHA2", "SHA224", "SHA256", "SHA384", "SHA512", "HEX", "UNHEX", "BIN", "ENCODE", "DECODE"];

/// A message digest with a fixed algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    /// `SHA2(x, bits)`'s algorithm; Java's `MessageDigest` knows only these lengths.
    fn sha2(bits: i64) -> Option<Self> {
        match bits {
            224 => Some(Self::Sha224),
            256 => Some(Self::Sha256),
            384 => Some(Self::Sha384),
            512 => Some(Self::Sha512),
            _ => None,
        }
    }

    fn digest(self, bytes: &[u8], out: &mut String) {
        match self {
            Self::Md5 => hex_lower(&Md5::digest(bytes), out),
            Self::Sha1 => hex_lower(&Sha1::digest(bytes), out),
            Self::Sha224 => hex_lower(&Sha224::digest(bytes), out),
            Self::Sha256 => hex_lower(&Sha256::digest(bytes), out),
            Self::Sha384 => hex_lower(&Sha384::digest(bytes), out),
            Self::Sha512 => hex_lower(&Sha512::digest(bytes), out),
        }
    }
}

fn hex_lower(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
}

fn hex_upper(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
}

fn string_type(nullable: bool) -> DataType {
    DataType { kind: string_kind(), nullable }
}

fn bytes_type(nullable: bool) -> DataType {
    DataType { kind: TypeKind::Varbinary { length: sluice_types::MAX_VARCHAR_LENGTH }, nullable }
}

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let nullable = any_nullable(&args);
    let string = string_kind();
    let one_string = |func: Func, args: Vec<ScalarExpr>, ret: DataType| {
        arity(name, &args, 1, 1, &[&format!("{name}(STRING)")])?;
        if !stringish(args[0].data_type()) {
            return Err(no_match(name, &args, &[&format!("{name}(STRING)")]));
        }
        Ok(make_call(func, vec![coerce(args.into_iter().next().unwrap_or_else(null), &string)], ret))
    };
    let digest = |alg| one_string(Func::Digest(alg), args.clone(), string_type(nullable));
    match name {
        "MD5" => digest(DigestAlgorithm::Md5),
        "SHA1" => digest(DigestAlgorithm::Sha1),
        "SHA224" => digest(DigestAlgorithm::Sha224),
        "SHA256" => digest(DigestAlgorithm::Sha256),
        "SHA384" => digest(DigestAlgorithm::Sha384),
        "SHA512" => digest(DigestAlgorithm::Sha512),
        "SHA2" => {
            let sig = ["SHA2(STRING, INT)"];
            arity(name, &args, 2, 2, &sig)?;
            let bits = &args[1];
            if !stringish(args[0].data_type()) || !(bits.data_type().kind.is_integer() || bits.data_type().kind == TypeKind::Null) {
                return Err(no_match(name, &args, &sig));
            }
            if let Some(v) = bits.as_literal().and_then(|v| v.as_i64()) {
                if DigestAlgorithm::sha2(v).is_none() {
                    return Err(FunctionError::BadArgument(format!(
                        "SHA2 supports hash lengths 224, 256, 384 and 512, not {v}"
                    )));
                }
            }
            let mut args = args.into_iter();
            let (x, bits) = (args.next().unwrap_or_else(null), args.next().unwrap_or_else(null));
            Ok(make_call(Func::Sha2, vec![coerce(x, &string), coerce(bits, &TypeKind::Int)], string_type(nullable)))
        }
        "HEX" => {
            let sig = ["HEX(BIGINT)", "HEX(STRING)"];
            arity(name, &args, 1, 1, &sig)?;
            let t = args[0].data_type().clone();
            let arg = args.into_iter().next().unwrap_or_else(null);
            if t.is_string() {
                Ok(make_call(Func::Hex, vec![arg], string_type(nullable)))
            } else if t.is_numeric() || t.kind == TypeKind::Null {
                Ok(make_call(Func::Hex, vec![coerce(arg, &TypeKind::BigInt)], string_type(nullable)))
            } else {
                Err(no_match(name, &[arg], &sig))
            }
        }
        "BIN" => {
            arity(name, &args, 1, 1, &["BIN(BIGINT)"])?;
            let t = args[0].data_type().kind.clone();
            if !(t.is_integer() || t == TypeKind::Null) {
                return Err(no_match(name, &args, &["BIN(BIGINT)"]));
            }
            let arg = coerce(args.into_iter().next().unwrap_or_else(null), &TypeKind::BigInt);
            Ok(make_call(Func::Bin, vec![arg], string_type(nullable)))
        }
        "UNHEX" => one_string(Func::Unhex, args, bytes_type(true)),
        "ENCODE" => {
            let sig = ["ENCODE(STRING, STRING)"];
            arity(name, &args, 2, 2, &sig)?;
            if !args.iter().all(|a| stringish(a.data_type())) {
                return Err(no_match(name, &args, &sig));
            }
            check_charset(&args[1])?;
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            Ok(make_call(Func::Encode, args, bytes_type(nullable)))
        }
        _ => {
            let sig = ["DECODE(BYTES, STRING)"];
            arity(name, &args, 2, 2, &sig)?;
            let bytes_ok = args[0].data_type().is_binary() || args[0].data_type().kind == TypeKind::Null;
            if !bytes_ok || !stringish(args[1].data_type()) {
                return Err(no_match(name, &args, &sig));
            }
            check_charset(&args[1])?;
            let mut it = args.into_iter();
            let (b, cs) = (it.next().unwrap_or_else(null), it.next().unwrap_or_else(null));
            let b = coerce(b, &TypeKind::Varbinary { length: sluice_types::MAX_VARCHAR_LENGTH });
            Ok(make_call(Func::Decode, vec![b, coerce(cs, &string)], string_type(nullable)))
        }
    }
}

fn null() -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Null))
}

/// The charsets every Java runtime has (`StandardCharsets`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Charset {
    UsAscii,
    Latin1,
    Utf8,
    Utf16Be,
    Utf16Le,
    Utf16,
}

fn charset(name: &str) -> Option<Charset> {
    match name.trim().to_ascii_uppercase().replace('_', "-").as_str() {
        "US-ASCII" | "ASCII" => Some(Charset::UsAscii),
        "ISO-8859-1" | "LATIN1" | "ISO8859-1" => Some(Charset::Latin1),
        "UTF-8" | "UTF8" => Some(Charset::Utf8),
        "UTF-16BE" => Some(Charset::Utf16Be),
        "UTF-16LE" => Some(Charset::Utf16Le),
        "UTF-16" => Some(Charset::Utf16),
        _ => None,
    }
}

fn check_charset(arg: &ScalarExpr) -> Result<(), FunctionError> {
    match literal_string(arg) {
        Some(name) if charset(name).is_none() => Err(FunctionError::BadArgument(format!("unsupported charset '{name}'"))),
        _ => Ok(()),
    }
}

fn charset_at(name: &str) -> Result<Charset, EvalError> {
    charset(name).ok_or_else(|| EvalError::Runtime(format!("unsupported charset '{name}'")))
}

/// Java's `String.getBytes(charset)`: unmappable characters become `?`.
fn encode(s: &str, cs: Charset, out: &mut Vec<u8>) {
    match cs {
        Charset::Utf8 => out.extend_from_slice(s.as_bytes()),
        Charset::UsAscii => out.extend(s.chars().map(|c| if c.is_ascii() { c as u8 } else { b'?' })),
        Charset::Latin1 => out.extend(s.chars().map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })),
        Charset::Utf16Be | Charset::Utf16 => {
            // Java writes the byte-order mark only in front of some text.
            if cs == Charset::Utf16 && !s.is_empty() {
                out.extend_from_slice(&[0xFE, 0xFF]);
            }
            s.encode_utf16().for_each(|u| out.extend_from_slice(&u.to_be_bytes()));
        }
        Charset::Utf16Le => s.encode_utf16().for_each(|u| out.extend_from_slice(&u.to_le_bytes())),
    }
}

/// Java's `new String(bytes, charset)`: malformed input becomes U+FFFD.
fn decode(b: &[u8], cs: Charset, out: &mut String) {
    match cs {
        Charset::Utf8 => out.push_str(&String::from_utf8_lossy(b)),
        Charset::UsAscii => out.extend(b.iter().map(|&c| if c < 128 { c as char } else { '\u{FFFD}' })),
        Charset::Latin1 => out.extend(b.iter().map(|&c| c as char)),
        Charset::Utf16Be | Charset::Utf16Le | Charset::Utf16 => {
            let (mut le, mut body) = (cs == Charset::Utf16Le, b);
            if cs == Charset::Utf16 && b.len() >= 2 {
                match (b[0], b[1]) {
                    (0xFE, 0xFF) => body = &b[2..],
                    (0xFF, 0xFE) => {
                        le = true;
                        body = &b[2..];
                    }
                    _ => {}
                }
            }
            let units = body.chunks(2).map(|c| match c {
                [x, y] if le => u16::from_le_bytes([*x, *y]),
                [x, y] => u16::from_be_bytes([*x, *y]),
                _ => 0xFFFD,
            });
            out.extend(char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')));
        }
    }
}

/// Flink's `UNHEX`: NULL on a non-hex digit; with an odd length the first character is
/// dropped and a zero byte leads instead.
fn unhex(s: &str, out: &mut Vec<u8>) -> bool {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut i = 0;
    if bytes.len() % 2 == 1 {
        out.push(0);
        i = 1;
    }
    while i + 1 < bytes.len() {
        match (digit(bytes[i]), digit(bytes[i + 1])) {
            (Some(h), Some(l)) => out.push(h << 4 | l),
            _ => return false,
        }
        i += 2;
    }
    true
}

fn strings(n: usize, mut f: impl FnMut(usize, &mut String) -> Result<bool, EvalError>) -> Result<ArrayRef, EvalError> {
    let mut b = StringBuilder::with_capacity(n, n * 32);
    let mut buf = String::new();
    for i in 0..n {
        buf.clear();
        if f(i, &mut buf)? {
            b.append_value(&buf);
        } else {
            b.append_null();
        }
    }
    Ok(Arc::new(b.finish()))
}

fn binaries(n: usize, mut f: impl FnMut(usize, &mut Vec<u8>) -> Result<bool, EvalError>) -> Result<ArrayRef, EvalError> {
    let mut b = BinaryBuilder::with_capacity(n, n * 16);
    let mut buf = Vec::new();
    for i in 0..n {
        buf.clear();
        if f(i, &mut buf)? {
            b.append_value(&buf);
        } else {
            b.append_null();
        }
    }
    Ok(Arc::new(b.finish()))
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
    let s = |k: usize| arrays[k].as_string::<i32>();
    let out = match func {
        Func::Digest(alg) => {
            let a = s(0);
            strings(n, |i, o| {
                Ok(a.is_valid(i).then(|| alg.digest(a.value(i).as_bytes(), o)).is_some())
            })?
        }
        Func::Sha2 => {
            let (a, bits) = (s(0), arrays[1].as_primitive::<Int32Type>());
            strings(n, |i, o| {
                if a.is_null(i) || bits.is_null(i) {
                    return Ok(false);
                }
                let alg = DigestAlgorithm::sha2(bits.value(i) as i64).ok_or_else(|| {
                    EvalError::Runtime(format!("Unsupported algorithm: SHA-{}", bits.value(i)))
                })?;
                alg.digest(a.value(i).as_bytes(), o);
                Ok(true)
            })?
        }
        Func::Hex if arrays[0].data_type() == &arrow_schema::DataType::Utf8 => {
            let a = s(0);
            strings(n, |i, o| Ok(a.is_valid(i).then(|| hex_upper(a.value(i).as_bytes(), o)).is_some()))?
        }
        Func::Hex | Func::Bin => {
            let a = arrays[0].as_primitive::<Int64Type>();
            let hex = *func == Func::Hex;
            strings(n, |i, o| {
                if a.is_null(i) {
                    return Ok(false);
                }
                // Java's Long.toHexString / toBinaryString: the two's complement bits.
                let v = a.value(i) as u64;
                o.push_str(&if hex { format!("{v:X}") } else { format!("{v:b}") });
                Ok(true)
            })?
        }
        Func::Unhex => {
            let a = s(0);
            binaries(n, |i, o| Ok(a.is_valid(i) && unhex(a.value(i), o)))?
        }
        Func::Encode => {
            let (a, cs) = (s(0), s(1));
            binaries(n, |i, o| {
                if a.is_null(i) || cs.is_null(i) {
                    return Ok(false);
                }
                encode(a.value(i), charset_at(cs.value(i))?, o);
                Ok(true)
            })?
        }
        Func::Decode => {
            let (b, cs) = (arrays[0].as_binary::<i32>(), s(1));
            strings(n, |i, o| {
                if b.is_null(i) || cs.is_null(i) {
                    return Ok(false);
                }
                decode(b.value(i), charset_at(cs.value(i))?, o);
                Ok(true)
            })?
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a hashing function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use crate::EvalContext;

    fn s(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 100 }))
    }
    fn i(v: i64) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::BigInt(v), DataType::not_null(TypeKind::BigInt))
    }
    fn null() -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Null))
    }
    fn call(name: &str, args: Vec<ScalarExpr>) -> ScalarValue {
        resolve_call(name, args).unwrap().evaluate_constant(&EvalContext::default()).unwrap()
    }
    fn st(v: &str) -> ScalarValue {
        ScalarValue::String(v.into())
    }

    #[test]
    fn digests() {
        assert_eq!(call("MD5", vec![s("")]), st("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(call("SHA1", vec![s("abc")]), st("a9993e364706816aba3e25717850c26c9cd0d89d"));
        assert_eq!(
            call("SHA256", vec![s("abc")]),
            st("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(call("SHA2", vec![s("abc"), i(224)]), call("SHA224", vec![s("abc")]));
        assert_eq!(call("MD5", vec![null()]), ScalarValue::Null);
        assert!(resolve_call("SHA2", vec![s("abc"), i(100)]).is_err());
        assert!(resolve_call("MD5", vec![i(1)]).is_err());
    }

    #[test]
    fn hex_bin_unhex() {
        assert_eq!(call("HEX", vec![i(100)]), st("64"));
        assert_eq!(call("HEX", vec![i(-1)]), st("FFFFFFFFFFFFFFFF"));
        assert_eq!(call("HEX", vec![s("hello world")]), st("68656C6C6F20776F726C64"));
        assert_eq!(call("BIN", vec![i(12)]), st("1100"));
        assert_eq!(call("UNHEX", vec![s("6869")]), ScalarValue::Binary(b"hi".to_vec()));
        assert_eq!(call("UNHEX", vec![s("169")]), ScalarValue::Binary(vec![0, 0x69]));
        assert_eq!(call("UNHEX", vec![s("zz")]), ScalarValue::Null);
    }

    #[test]
    fn charsets() {
        assert_eq!(call("ENCODE", vec![s("é"), s("UTF-8")]), ScalarValue::Binary(vec![0xC3, 0xA9]));
        assert_eq!(call("ENCODE", vec![s("é"), s("US-ASCII")]), ScalarValue::Binary(vec![b'?']));
        assert_eq!(call("ENCODE", vec![s("a"), s("UTF-16")]), ScalarValue::Binary(vec![0xFE, 0xFF, 0, b'a']));
        assert_eq!(call("ENCODE", vec![s(""), s("UTF-16")]), ScalarValue::Binary(vec![]));
        let bytes = ScalarExpr::literal(ScalarValue::Binary(vec![0, b'a']), DataType::not_null(TypeKind::Varbinary { length: 2 }));
        assert_eq!(call("DECODE", vec![bytes, s("UTF-16BE")]), st("a"));
        assert!(resolve_call("ENCODE", vec![s("a"), s("EBCDIC")]).is_err());
    }
}
