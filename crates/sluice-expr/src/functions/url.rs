//! URLs and addresses: `PARSE_URL`, `URL_ENCODE` and `URL_DECODE`, following Java's
//! `java.net.URL`, `URLEncoder` and `URLDecoder` (UTF-8), which Flink calls, and
//! `INET_ATON`/`INET_NTOA` for IPv4 addresses (MySQL's rules, as Flink's). What cannot
//! be parsed or decoded gives NULL, as in Flink.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::*;
use sluice_types::{DataType, TypeKind};

use super::registry::{arity, coerce, make_call, no_match, string_kind, stringish};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["PARSE_URL", "URL_ENCODE", "URL_DECODE", "INET_ATON", "INET_NTOA"];

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    if name == "INET_ATON" || name == "INET_NTOA" {
        return resolve_inet(name, args);
    }
    let (func, min, max, sig) = match name {
        "PARSE_URL" => (Func::ParseUrl, 2, 3, "PARSE_URL(STRING, STRING[, STRING])"),
        "URL_ENCODE" => (Func::UrlEncode, 1, 1, "URL_ENCODE(STRING)"),
        _ => (Func::UrlDecode, 1, 1, "URL_DECODE(STRING)"),
    };
    arity(name, &args, min, max, &[sig])?;
    if !args.iter().all(|a| stringish(a.data_type())) {
        return Err(no_match(name, &args, &[sig]));
    }
    let string = string_kind();
    let args = args.into_iter().map(|a| coerce(a, &string)).collect();
    Ok(make_call(func, args, DataType::new(TypeKind::Varchar { length: sluice_types::MAX_VARCHAR_LENGTH })))
}

fn resolve_inet(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let sig = if name == "INET_ATON" { "INET_ATON(STRING)" } else { "INET_NTOA(INT|BIGINT)" };
    arity(name, &args, 1, 1, &[sig])?;
    let t = args[0].data_type().kind.clone();
    let ok = if name == "INET_ATON" { stringish(args[0].data_type()) } else { t.is_integer() || t == TypeKind::Null };
    if !ok {
        return Err(no_match(name, &args, &[sig]));
    }
    let arg = args.into_iter().next().ok_or_else(|| no_match(name, &[], &[sig]))?;
    if name == "INET_ATON" {
        return Ok(make_call(Func::InetAton, vec![coerce(arg, &string_kind())], DataType::new(TypeKind::BigInt)));
    }
    // Negative numbers (of any width) are out of range, as in Flink 2.3.
    let arg = coerce(arg, &TypeKind::BigInt);
    Ok(make_call(Func::InetNtoa, vec![arg], DataType::new(string_kind())))
}

/// `INET_ATON`: `a`, `a.b` (a.0.0.b), `a.b.c` (a.b.0.c) or `a.b.c.d`, decimal parts of at
/// most 255 each (Flink 2.3 gives NULL for `'1000000'`, unlike MySQL).
fn inet_aton(s: &str) -> Option<i64> {
    let mut parts = Vec::with_capacity(4);
    for p in s.split('.') {
        if p.is_empty() || parts.len() == 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut v: i64 = 0;
        for b in p.bytes() {
            v = v * 10 + (b - b'0') as i64;
            if v > 0xFFFF_FFFF {
                return None;
            }
        }
        parts.push(v);
    }
    let small = |k: usize| parts[..k].iter().all(|&v| v <= 255);
    match parts.len() {
        1 if small(1) => Some(parts[0]),
        2 if small(2) => Some(parts[0] << 24 | parts[1]),
        3 if small(3) => Some(parts[0] << 24 | parts[1] << 16 | parts[2]),
        4 if small(4) => Some(parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]),
        _ => None,
    }
}

fn inet_ntoa(v: i64) -> Option<String> {
    (0..=0xFFFF_FFFF).contains(&v).then(|| format!("{}.{}.{}.{}", v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255))
}

/// Java's `URLEncoder.encode(s, UTF_8)`: letters, digits and `.-*_` stay, a space is `+`,
/// every other byte is `%XX`.
fn url_encode(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// Java's `URLDecoder.decode(s, UTF_8)`; `None` where Java throws (a bad or cut `%` escape).
fn url_decode(s: &str, out: &mut String) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut pending: Vec<u8> = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                while i < bytes.len() && bytes[i] == b'%' {
                    let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                    match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(v) if !hex.is_some_and(|h| h.starts_with(['+', '-'])) => pending.push(v),
                        _ => return false,
                    }
                    i += 3;
                }
                out.push_str(&String::from_utf8_lossy(&pending));
                pending.clear();
            }
            b'+' => {
                out.push(' ');
                i += 1;
            }
            _ => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'%' && bytes[i] != b'+' {
                    i += 1;
                }
                out.push_str(&s[start..i]);
            }
        }
    }
    true
}

/// The parts of a URL as `java.net.URL` splits them.
struct UrlParts<'a> {
    protocol: String,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>, 
    reference: Option<&'a str>,
}

/// The protocols a Java 17 runtime has handlers for; any other makes `new URL` throw.
const PROTOCOLS: &[&str] = &["http", "https", "ftp", "file", "jar", "mailto", "jrt"];

fn parse_url(s: &str) -> Option<UrlParts<'_>> {
    let s = s.trim();
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid {
        return None;
    }
    let protocol = scheme.to_ascii_lowercase();
    if !PROTOCOLS.contains(&protocol.as_str()) {
        return None;
    }
    let rest = &s[colon + 1..];
    let (rest, reference) = match rest.find('#') {
        Some(h) => (&rest[..h], Some(&rest[h + 1..])),
        None => (rest, None),
    };
    let (authority, rest) = match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find(['/', '?']).unwrap_or(r.len());
            (Some(&r[..end]), &r[end..])
        }
        None => (None, rest),
    };
    let (path, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    Some(UrlParts { protocol, authority, path, query, reference })
}

/// `PARSE_URL(url, part)`; the part names are case-sensitive, as in Flink.
fn url_part(url: &str, part: &str, out: &mut String) -> bool {
    let Some(u) = parse_url(url) else {
        return false;
    };
    let host = || {
        let a = u.authority?;
        let h = a.rsplit_once('@').map(|(_, h)| h).unwrap_or(a);
        // A port follows the last ':' unless the host is a bracketed IPv6 address.
        Some(match h.rfind(':') {
            Some(c) if !h[c..].contains(']') => &h[..c],
            _ => h,
        })
    };
    let value: Option<String> = match part {
        "HOST" => Some(host().unwrap_or("").to_string()),
        "PATH" => Some(u.path.to_string()),
        "QUERY" => u.query.map(str::to_string),
        "REF" => u.reference.map(str::to_string),
        "PROTOCOL" => Some(u.protocol.clone()),
        "FILE" => Some(match u.query {
            Some(q) => format!("{}?{q}", u.path),
            None => u.path.to_string(),
        }),
        "AUTHORITY" => u.authority.map(str::to_string),
        "USERINFO" => u.authority.and_then(|a| a.rsplit_once('@')).map(|(user, _)| user.to_string()),
        _ => None,
    };
    match value {
        Some(v) => {
            out.push_str(&v);
            true
        }
        None => false,
    }
}

/// `PARSE_URL(url, 'QUERY', key)`: the first `key=value` of the query, as Flink's
/// `(&|^)key=([^&]*)` pattern finds it.
fn url_query_value(url: &str, part: &str, key: &str, out: &mut String) -> bool {
    if part != "QUERY" {
        return false;
    }
    let Some(query) = parse_url(url).and_then(|u| u.query) else {
        return false;
    };
    for pair in query.split('&') {
        if let Some(v) = pair.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
            out.push_str(v);
            return true;
        }
    }
    false
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
    match func {
        Func::InetAton => {
            let a = arrays[0].as_string::<i32>();
            let out: Int64Array = (0..n).map(|i| a.is_valid(i).then(|| inet_aton(a.value(i))).flatten()).collect();
            return Ok(ColumnarValue::wrap(Arc::new(out), scalar));
        }
        Func::InetNtoa => {
            let a = arrays[0].as_primitive::<arrow_array::types::Int64Type>();
            let out: StringArray = a.iter().map(|v| v.and_then(inet_ntoa)).collect();
            return Ok(ColumnarValue::wrap(Arc::new(out), scalar));
        }
        _ => {}
    }
    let cols: Vec<&StringArray> = arrays.iter().map(|a| a.as_string::<i32>()).collect();
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let mut buf = String::new();
    let mut values: Vec<&str> = Vec::with_capacity(cols.len());
    for i in 0..n {
        buf.clear();
        values.clear();
        for c in &cols {
            if c.is_valid(i) {
                values.push(c.value(i));
            }
        }
        let ok = values.len() == cols.len()
            && match (func, values.as_slice()) {
                (Func::UrlEncode, [s]) => {
                    url_encode(s, &mut buf);
                    true
                }
                (Func::UrlDecode, [s]) => url_decode(s, &mut buf),
                (Func::ParseUrl, [u, p]) => url_part(u, p, &mut buf),
                (Func::ParseUrl, [u, p, k]) => url_query_value(u, p, k, &mut buf),
                _ => return Err(EvalError::Internal(format!("{func:?} is not a URL function"))),
            };
        if ok {
            b.append_value(&buf);
        } else {
            b.append_null();
        }
    }
    Ok(ColumnarValue::wrap(Arc::new(b.finish()), scalar))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(url: &str, p: &str) -> Option<String> {
        let mut out = String::new();
        url_part(url, p, &mut out).then_some(out)
    }

    #[test]
    fn parse_url_parts() {
        let u = "http://user:pw@facebook.com:8080/path1/p.php?k1=v1&k2=v2#Ref1";
        assert_eq!(part(u, "HOST").as_deref(), Some("facebook.com"));
        assert_eq!(part(u, "PATH").as_deref(), Some("/path1/p.php"));
        assert_eq!(part(u, "QUERY").as_deref(), Some("k1=v1&k2=v2"));
        assert_eq!(part(u, "REF").as_deref(), Some("Ref1"));
        assert_eq!(part(u, "PROTOCOL").as_deref(), Some("http"));
        assert_eq!(part(u, "FILE").as_deref(), Some("/path1/p.php?k1=v1&k2=v2"));
        assert_eq!(part(u, "AUTHORITY").as_deref(), Some("user:pw@facebook.com:8080"));
        assert_eq!(part(u, "USERINFO").as_deref(), Some("user:pw"));
        assert_eq!(part(u, "host"), None);
        assert_eq!(part("foo://x", "HOST"), None);
        assert_eq!(part("no scheme", "HOST"), None);
        let mut out = String::new();
        assert!(url_query_value(u, "QUERY", "k2", &mut out));
        assert_eq!(out, "v2");
        assert!(!url_query_value(u, "QUERY", "k3", &mut String::new()));
    }

    #[test]
    fn inet() {
        assert_eq!(inet_aton("127.0.0.1"), Some(2130706433));
        assert_eq!(inet_aton("127.1"), Some(2130706433));
        assert_eq!(inet_aton("127.0.1"), Some(2130706433));
        assert_eq!(inet_aton("1"), Some(1));
        assert_eq!(inet_aton("1000000"), None);
        assert_eq!(inet_aton("256.1.1.1"), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("1..2"), None);
        assert_eq!(inet_ntoa(2130706433).as_deref(), Some("127.0.0.1"));
        assert_eq!(inet_ntoa(-1), None);
    }

    #[test]
    fn encode_decode() {
        let mut out = String::new();
        url_encode("a b&c=d/é*", &mut out);
        assert_eq!(out, "a+b%26c%3Dd%2F%C3%A9*");
        let mut back = String::new();
        assert!(url_decode(&out, &mut back));
        assert_eq!(back, "a b&c=d/é*");
        assert!(!url_decode("100%", &mut String::new()));
        assert!(!url_decode("%zz", &mut String::new()));
    }
}
