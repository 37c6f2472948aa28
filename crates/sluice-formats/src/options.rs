//! The formats' `WITH` options as Flink spells them (`json.ignore-parse-errors`,
//! `csv.field-delimiter`, ...), parsed into typed option structs.
//!
//! A format's option keys are written with a prefix: `json.` when `'format' = 'json'`,
//! `value.json.` for a Kafka value format. The parsers take that prefix and look only at
//! keys that start with it.

use std::collections::BTreeMap;

use crate::FormatError;

/// The option keys of each format, with the format's name as their prefix.
pub fn format_options(format: &str) -> Option<&'static [&'static str]> {
    match format {
        "json" => Some(&[
            "json.fail-on-missing-field",
            "json.ignore-parse-errors",
            "json.timestamp-format.standard",
            "json.map-null-key.mode",
            "json.map-null-key.literal",
            "json.encode.decimal-as-plain-number",
            "json.encode.ignore-null-fields",
            "json.decode.json-parser.enabled",
        ]),
        "csv" => Some(&[
            "csv.field-delimiter",
            "csv.disable-quote-character",
            "csv.quote-character",
            "csv.allow-comments",
            "csv.ignore-parse-errors",
            "csv.array-element-delimiter",
            "csv.escape-character",
            "csv.null-literal",
            "csv.write-bigdecimal-in-scientific-notation",
        ]),
        "raw" => Some(&["raw.charset", "raw.endianness"]),
        _ => None,
    }
}

/// How `TIMESTAMP` values are spelled (`json.timestamp-format.standard`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimestampStandard {
    /// `yyyy-MM-dd HH:mm:ss.SSS`
    #[default]
    Sql,
    /// `yyyy-MM-ddTHH:mm:ss.SSS`
    Iso8601,
}

/// What the JSON encoder does with a NULL map key (`json.map-null-key.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MapNullKeyMode {
    #[default]
    Fail,
    Drop,
    Literal,
}

/// The `json.*` options.
#[derive(Clone, Debug)]
pub struct JsonOptions {
    pub fail_on_missing_field: bool,
    pub ignore_parse_errors: bool,
    pub timestamp_standard: TimestampStandard,
    pub map_null_key_mode: MapNullKeyMode,
    pub map_null_key_literal: String,
    pub encode_decimal_as_plain_number: bool,
    pub encode_ignore_null_fields: bool,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            fail_on_missing_field: false,
            ignore_parse_errors: false,
            timestamp_standard: TimestampStandard::Sql,
            map_null_key_mode: MapNullKeyMode::Fail,
            map_null_key_literal: "null".into(),
            encode_decimal_as_plain_number: false,
            encode_ignore_null_fields: false,
        }
    }
}

impl JsonOptions {
    /// Reads the options whose keys start with `prefix` (e.g. `json.` or `value.json.`).
    pub fn from_options(
        options: &BTreeMap<String, String>,
        prefix: &str,
    ) -> Result<JsonOptions, FormatError> {
        let mut o = JsonOptions::default();
        for (key, value) in prefixed(options, prefix, "json")? {
            let full = format!("{prefix}{key}");
            match key {
                "fail-on-missing-field" => o.fail_on_missing_field = parse_bool(&full, value)?,
                "ignore-parse-errors" => o.ignore_parse_errors = parse_bool(&full, value)?,
                "timestamp-format.standard" => {
                    o.timestamp_standard = match value.to_ascii_uppercase().as_str() {
                        "SQL" => TimestampStandard::Sql,
                        "ISO-8601" => TimestampStandard::Iso8601,
                        _ => return Err(invalid(&full, value, "use \"SQL\" or \"ISO-8601\"")),
                    }
                }
                "map-null-key.mode" => {
                    o.map_null_key_mode = match value.to_ascii_uppercase().as_str() {
                        "FAIL" => MapNullKeyMode::Fail,
                        "DROP" => MapNullKeyMode::Drop,
                        "LITERAL" => MapNullKeyMode::Literal,
                        _ => return Err(invalid(&full, value, "use \"FAIL\", \"DROP\" or \"LITERAL\"")),
                    }
                }
                "map-null-key.literal" => o.map_null_key_literal = value.to_string(),
                "encode.decimal-as-plain-number" => {
                    o.encode_decimal_as_plain_number = parse_bool(&full, value)?
                }
                "encode.ignore-null-fields" => {
                    o.encode_ignore_null_fields = parse_bool(&full, value)?
                }
                "decode.json-parser.enabled" => {
                    parse_bool(&full, value)?;
                }
                _ => no_effect_key(prefix, "json", key)?,
            }
        }
        if o.fail_on_missing_field && o.ignore_parse_errors {
            return Err(FormatError::InvalidOption {
                key: format!("{prefix}ignore-parse-errors"),
                value: "true".into(),
                reason: format!(
                    "\"{prefix}fail-on-missing-field\" and \"{prefix}ignore-parse-errors\" \
                     cannot both be true"
                ),
            });
        }
        Ok(o)
    }
}

/// The `csv.*` options.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    pub field_delimiter: u8,
    /// `None` when `csv.disable-quote-character` is true.
    pub quote_character: Option<u8>,
    pub allow_comments: bool,
    pub ignore_parse_errors: bool,
    pub array_element_delimiter: String,
    pub escape_character: Option<u8>,
    pub null_literal: Option<String>,
    pub write_bigdecimal_in_scientific_notation: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            field_delimiter: b',',
            quote_character: Some(b'"'),
            allow_comments: false,
            ignore_parse_errors: false,
            array_element_delimiter: ";".into(),
            escape_character: None,
            null_literal: None,
            write_bigdecimal_in_scientific_notation: true,
        }
    }
}

impl CsvOptions {
    /// Reads the options whose keys start with `prefix` (e.g. `csv.`).
    pub fn from_options(
        options: &BTreeMap<String, String>,
        prefix: &str,
    ) -> Result<CsvOptions, FormatError> {
        let mut o = CsvOptions::default();
        let mut disable_quote = false;
        for (key, value) in prefixed(options, prefix, "csv")? {
            let full = format!("{prefix}{key}");
            match key {
                "field-delimiter" => o.field_delimiter = parse_char(&full, value)?,
                "quote-character" => o.quote_character = Some(parse_char(&full, value)?),
                "disable-quote-character" => disable_quote = parse_bool(&full, value)?,
                "allow-comments" => o.allow_comments = parse_bool(&full, value)?,
                "ignore-parse-errors" => o.ignore_parse_errors = parse_bool(&full, value)?,
                "array-element-delimiter" => o.array_element_delimiter = value.to_string(),
                "escape-character" => o.escape_character = Some(parse_char(&full, value)?),
                "null-literal" => o.null_literal = Some(value.to_string()),
                "write-bigdecimal-in-scientific-notation" => {
                    o.write_bigdecimal_in_scientific_notation = parse_bool(&full, value)?
                }
                _ => no_effect_key(prefix, "csv", key)?,
            }
        }
        if disable_quote {
            if options.contains_key(&format!("{prefix}quote-character")) {
                return Err(FormatError::InvalidOption {
                    key: format!("{prefix}quote-character"),
                    value: options[&format!("{prefix}quote-character")].clone(),
                    reason: format!(
                        "\"{prefix}quote-character\" cannot be set when \
                         \"{prefix}disable-quote-character\" is true"
                    ),
                });
            }
            o.quote_character = None;
        }
        Ok(o)
    }
}

/// The keys under `prefix`, with the prefix removed, checked against the format's keys.
fn prefixed<'a>(
    options: &'a BTreeMap<String, String>,
    prefix: &str,
    format: &str,
) -> Result<Vec<(&'a str, &'a str)>, FormatError> {
    let known = format_options(format).unwrap_or(&[]);
    let mut out = Vec::new();
    for (key, value) in options {
        let Some(rest) = key.strip_prefix(prefix) else { continue };
        let canonical = format!("{format}.{rest}");
        if !known.contains(&canonical.as_str()) {
            return Err(FormatError::UnknownOption {
                format: format.to_string(),
                key: key.clone(),
                known: known
                    .iter()
                    .map(|k| format!("{prefix}{}", &k[format.len() + 1..]))
                    .collect(),
            });
        }
        out.push((rest, value.as_str()));
    }
    Ok(out)
}

fn no_effect_key(prefix: &str, format: &str, key: &str) -> Result<(), FormatError> {
    // Known to `format_options` but without an effect here (e.g. a decode-only switch).
    let _ = (prefix, format, key);
    Ok(())
}

fn invalid(key: &str, value: &str, reason: &str) -> FormatError {
    FormatError::InvalidOption { key: key.into(), value: value.into(), reason: reason.into() }
}

/// Flink's boolean option values: `true` or `false`, in any case.
pub fn parse_bool(key: &str, value: &str) -> Result<bool, FormatError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(key, value, "use \"true\" or \"false\"")),
    }
}

/// A single ASCII character, where `\t` (backslash and t) may spell a tab as in Flink.
fn parse_char(key: &str, value: &str) -> Result<u8, FormatError> {
    let unescaped = match value {
        "\\t" => "\t",
        "\\n" => "\n",
        "\\r" => "\r",
        "\\\\" => "\\",
        "\\'" => "'",
        "\\\"" => "\"",
        other => other,
    };
    match unescaped.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(invalid(key, value, "expected a single ASCII character")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parses_json_options_with_prefix() {
        let o = JsonOptions::from_options(
            &opts(&[
                ("value.json.ignore-parse-errors", "TRUE"),
                ("value.json.timestamp-format.standard", "ISO-8601"),
                ("json.fail-on-missing-field", "oops"),
                ("topic", "x"),
            ]),
            "value.json.",
        )
        .unwrap();
        assert!(o.ignore_parse_errors);
        assert_eq!(o.timestamp_standard, TimestampStandard::Iso8601);
    }

    #[test]
    fn rejects_unknown_and_bad_values() {
        let e = JsonOptions::from_options(&opts(&[("json.ignore-errors", "true")]), "json.")
            .unwrap_err();
        assert_eq!(e.to_string(), "unknown option \"json.ignore-errors\" for format \"json\"");
        let e = JsonOptions::from_options(&opts(&[("json.ignore-parse-errors", "yes")]), "json.")
            .unwrap_err();
        assert!(e.to_string().contains("use \"true\" or \"false\""), "{e}");
    }

    #[test]
    fn parses_csv_options() {
        let o = CsvOptions::from_options(
            &opts(&[("csv.field-delimiter", "\\t"), ("csv.disable-quote-character", "true")]),
            "csv.",
        )
        .unwrap();
        assert_eq!(o.field_delimiter, b'\t');
        assert_eq!(o.quote_character, None);
        assert!(CsvOptions::from_options(&opts(&[("csv.field-delimiter", ";;")]), "csv.").is_err());
    }
}
