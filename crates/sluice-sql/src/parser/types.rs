//! Data types: `INT NOT NULL`, `DECIMAL(10, 2)`, `TIMESTAMP(3) WITH LOCAL TIME ZONE`,
//! `ARRAY<ROW<name STRING, tags ARRAY<STRING>>>`, `INT ARRAY`, `MAP<STRING, INT>`.
//!
//! Defaults follow Flink's SQL type system: `VARCHAR` and `VARBINARY` without a length
//! are as long as possible (that is `STRING` and `BYTES`), `CHAR` and `BINARY` have length
//! 1, `DECIMAL` is `DECIMAL(10, 0)`, `TIME` has precision 0, `TIMESTAMP` and
//! `TIMESTAMP_LTZ` precision 6.

use sluice_types::{DataType, RowField, TypeKind, MAX_VARCHAR_LENGTH};

use super::{PResult, Parser};
use crate::ast::TimeUnit;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::span::Span;

const TYPE_NAMES: &[&str] = &[
    "BOOLEAN", "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "FLOAT", "REAL", "DOUBLE",
    "DECIMAL", "DEC", "NUMERIC", "CHAR", "CHARACTER", "VARCHAR", "STRING", "BINARY",
    "VARBINARY", "BYTES", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ", "INTERVAL", "ARRAY",
    "MULTISET", "MAP", "ROW", "BITMAP", "VARIANT", "STRUCTURED",
];

impl Parser<'_> {
    /// A data type with its span.
    pub(crate) fn data_type(&mut self) -> PResult<(DataType, Span)> {
        self.nested(|p| {
            let start = p.span();
            let mut ty = p.base_type()?;
            ty.nullable = p.nullability()?;
            // Postfix collection types: `INT NOT NULL ARRAY NOT NULL`.
            loop {
                if p.eat_kw("ARRAY") {
                    ty = DataType::new(TypeKind::Array(Box::new(ty)));
                } else if p.eat_kw("MULTISET") {
                    ty = DataType::new(TypeKind::Multiset(Box::new(ty)));
                } else {
                    break;
                }
                ty.nullable = p.nullability()?;
            }
            Ok((ty, p.span_from(start)))
        })
    }

    /// `[NOT NULL | NULL]`: whether the type is nullable.
    fn nullability(&mut self) -> PResult<bool> {
        if self.eat_kws(&["NOT", "NULL"]) {
            Ok(false)
        } else {
            self.eat_kw("NULL");
            Ok(true)
        }
    }

    /// `( n )` if present.
    fn opt_length(&mut self, what: &str) -> PResult<Option<(u32, Span)>> {
        if !self.eat(&TokenKind::LParen) {
            return Ok(None);
        }
        let n = self.unsigned_int(what)?;
        self.expect(&TokenKind::RParen)?;
        Ok(Some(n))
    }

    fn length(&mut self, type_name: &str, default: u32) -> PResult<u32> {
        match self.opt_length("a length")? {
            None => Ok(default),
            Some((0, span)) => Err(Diagnostic::user(format!("the length of \"{type_name}\" must be at least 1"), span)
                .with_label("length 0")),
            Some((n, _)) => Ok(n),
        }
    }

    /// `( p )` for time types, 0 to 9.
    fn time_precision(&mut self, default: u8) -> PResult<u8> {
        match self.opt_length("a precision")? {
            None => Ok(default),
            Some((p, _)) if p <= 9 => Ok(p as u8),
            Some((p, span)) => Err(Diagnostic::user(format!("time precision {p} is out of range"), span)
                .with_label("precision must be between 0 and 9")),
        }
    }

    fn base_type(&mut self) -> PResult<DataType> {
        let tok = self.peek().clone();
        let name = match &tok.kind {
            TokenKind::Word { value, quoted: false } => value.to_ascii_uppercase(),
            _ => return Err(self.expected("a data type")),
        };
        self.pos += 1;
        let kind = match name.as_str() {
            "BOOLEAN" => TypeKind::Boolean,
            "TINYINT" => TypeKind::TinyInt,
            "SMALLINT" => TypeKind::SmallInt,
            "INT" | "INTEGER" => TypeKind::Int,
            "BIGINT" => TypeKind::BigInt,
            "FLOAT" | "REAL" => TypeKind::Float,
            "DOUBLE" => {
                self.eat_kw("PRECISION");
                TypeKind::Double
            }
            "DECIMAL" | "DEC" | "NUMERIC" => self.decimal()?,
            "CHAR" | "CHARACTER" => {
                if self.eat_kw("VARYING") {
                    TypeKind::Varchar { length: self.length("VARCHAR", MAX_VARCHAR_LENGTH)? }
                } else {
                    TypeKind::Char { length: self.length("CHAR", 1)? }
                }
            }
            "VARCHAR" => TypeKind::Varchar { length: self.length("VARCHAR", MAX_VARCHAR_LENGTH)? },
            "STRING" => TypeKind::Varchar { length: MAX_VARCHAR_LENGTH },
            "BINARY" => TypeKind::Binary { length: self.length("BINARY", 1)? },
            "VARBINARY" => TypeKind::Varbinary { length: self.length("VARBINARY", MAX_VARCHAR_LENGTH)? },
            "BYTES" => TypeKind::Varbinary { length: MAX_VARCHAR_LENGTH },
            "BITMAP" => TypeKind::Bitmap,
            "VARIANT" => TypeKind::Variant,
            "STRUCTURED" => self.structured_type()?,
            "DATE" => TypeKind::Date,
            "TIME" => {
                let precision = self.time_precision(0)?;
                if self.is_kw("WITH") && self.is_kw_at(1, "LOCAL") {
                    return Err(Diagnostic::user("\"TIME WITH LOCAL TIME ZONE\" is not supported", self.span_from(tok.span)));
                }
                self.eat_kws(&["WITHOUT", "TIME", "ZONE"]);
                TypeKind::Time { precision }
            }
            "TIMESTAMP" => {
                let precision = self.time_precision(6)?;
                if self.eat_kws(&["WITH", "LOCAL", "TIME", "ZONE"]) {
                    TypeKind::TimestampLtz { precision }
                } else if self.is_kw("WITH") && self.is_kw_at(1, "TIME") {
                    let at = self.span();
                    return Err(Diagnostic::user("\"TIMESTAMP WITH TIME ZONE\" is not supported", at)
                        .with_hint("Flink supports TIMESTAMP_LTZ (TIMESTAMP WITH LOCAL TIME ZONE) for instants."));
                } else {
                    self.eat_kws(&["WITHOUT", "TIME", "ZONE"]);
                    TypeKind::Timestamp { precision }
                }
            }
            "TIMESTAMP_LTZ" => TypeKind::TimestampLtz { precision: self.time_precision(6)? },
            "INTERVAL" => self.interval_type()?,
            "ARRAY" => {
                self.expect(&TokenKind::Lt)?;
                let (elem, _) = self.data_type()?;
                self.expect(&TokenKind::Gt)?;
                TypeKind::Array(Box::new(elem))
            }
            "MULTISET" => {
                self.expect(&TokenKind::Lt)?;
                let (elem, _) = self.data_type()?;
                self.expect(&TokenKind::Gt)?;
                TypeKind::Multiset(Box::new(elem))
            }
            "MAP" => {
                self.expect(&TokenKind::Lt)?;
                let (key, _) = self.data_type()?;
                self.expect(&TokenKind::Comma)?;
                let (value, _) = self.data_type()?;
                self.expect(&TokenKind::Gt)?;
                TypeKind::Map(Box::new(key), Box::new(value))
            }
            "ROW" => self.row_type()?,
            _ => return Err(self.unknown_type(&name, tok.span)),
        };
        Ok(DataType::new(kind))
    }

    fn unknown_type(&self, name: &str, span: Span) -> Diagnostic {
        let mut d = Diagnostic::user(format!("unknown data type \"{name}\""), span).with_label("not a type");
        if let Some(best) = closest_type_name(name) {
            d = d.with_label(format!("did you mean \"{best}\"?"));
        }
        d.with_hint("Flink types include INT, BIGINT, DOUBLE, DECIMAL(p, s), STRING, VARCHAR(n), BOOLEAN, TIMESTAMP(p), TIMESTAMP_LTZ(p), DATE, ARRAY<T>, MAP<K, V> and ROW<name T, ...>.")
    }

    fn decimal(&mut self) -> PResult<TypeKind> {
        if !self.eat(&TokenKind::LParen) {
            return Ok(TypeKind::Decimal { precision: 10, scale: 0 });
        }
        let (precision, p_span) = self.unsigned_int("a precision")?;
        let (scale, s_span) = if self.eat(&TokenKind::Comma) { self.unsigned_int("a scale")? } else { (0, p_span) };
        self.expect(&TokenKind::RParen)?;
        if !(1..=38).contains(&precision) {
            return Err(Diagnostic::user(format!("decimal precision {precision} is out of range"), p_span)
                .with_label("precision must be between 1 and 38"));
        }
        if scale > precision {
            return Err(Diagnostic::user(format!("decimal scale {scale} is larger than the precision {precision}"), s_span)
                .with_label("scale must be between 0 and the precision"));
        }
        Ok(TypeKind::Decimal { precision: precision as u8, scale: scale as i8 })
    }

    /// `INTERVAL YEAR [(p)] [TO MONTH]`, `INTERVAL DAY [(p)] TO SECOND [(p)]`, ...
    fn interval_type(&mut self) -> PResult<TypeKind> {
        let (leading, _) = self.time_unit_word()?;
        self.skip_precision()?;
        let trailing = if self.eat_kw("TO") {
            let (unit, _) = self.time_unit_word()?;
            self.skip_precision()?;
            Some(unit)
        } else {
            None
        };
        let year_month = |u: TimeUnit| matches!(u, TimeUnit::Year | TimeUnit::Month);
        match (leading, trailing) {
            (l, None) if year_month(l) => Ok(TypeKind::IntervalYearMonth),
            (TimeUnit::Year, Some(TimeUnit::Month)) => Ok(TypeKind::IntervalYearMonth),
            (TimeUnit::Day | TimeUnit::Hour | TimeUnit::Minute | TimeUnit::Second, None) => Ok(TypeKind::IntervalDayTime),
            (TimeUnit::Day | TimeUnit::Hour | TimeUnit::Minute, Some(TimeUnit::Hour | TimeUnit::Minute | TimeUnit::Second)) => {
                Ok(TypeKind::IntervalDayTime)
            }
            _ => Err(Diagnostic::user("unsupported interval type", self.span_from(self.span()))
                .with_hint("Use INTERVAL YEAR TO MONTH (or YEAR, MONTH) or INTERVAL DAY TO SECOND (or DAY, HOUR, MINUTE, SECOND and their ranges).")),
        }
    }

    /// An optional `( p [, q] )` after an interval unit; the precision is not kept.
    pub(crate) fn skip_precision(&mut self) -> PResult<()> {
        if self.is(&TokenKind::LParen) && matches!(self.peek_nth(1).kind, TokenKind::Number(_)) {
            self.pos += 1;
            self.unsigned_int("a precision")?;
            if self.eat(&TokenKind::Comma) {
                self.unsigned_int("a precision")?;
            }
            self.expect(&TokenKind::RParen)?;
        }
        Ok(())
    }

    /// `STRUCTURED<'class.Name', field TYPE, ...>`: a `ROW` that names its class.
    fn structured_type(&mut self) -> PResult<TypeKind> {
        self.expect(&TokenKind::Lt)?;
        let (class, _) = self.string_literal()?;
        let fields = if self.eat(&TokenKind::Comma) {
            self.row_fields(&TokenKind::Gt)?
        } else {
            self.expect(&TokenKind::Gt)?;
            Vec::new()
        };
        Ok(TypeKind::Structured { class, fields })
    }

    /// `ROW<name T [COMMENT '..'], ...>` or `ROW(name T, ...)`.
    fn row_type(&mut self) -> PResult<TypeKind> {
        let close = if self.eat(&TokenKind::Lt) {
            TokenKind::Gt
        } else if self.eat(&TokenKind::LParen) {
            TokenKind::RParen
        } else {
            return Err(self.expected("\"<\" or \"(\" after \"ROW\""));
        };
        if self.eat(&close) {
            return Ok(TypeKind::Row(Vec::new()));
        }
        Ok(TypeKind::Row(self.row_fields(&close)?))
    }

    /// `name TYPE [COMMENT '..'], ...` up to and including `close`.
    fn row_fields(&mut self, close: &TokenKind) -> PResult<Vec<RowField>> {
        let close = close.clone();
        let mut fields = Vec::new();
        loop {
            let name = self.any_word_ident()?;
            if self.is(&TokenKind::Comma) || self.is(&close) {
                return Err(Diagnostic::user(format!("the field \"{}\" of the ROW type has no type", name.value), name.span)
                    .with_label("expected a field name followed by a type")
                    .with_hint("Every ROW field needs a name and a type, for example ROW<id INT, name STRING>."));
            }
            let (data_type, _) = self.data_type()?;
            if self.eat_kw("COMMENT") {
                self.string_literal()?;
            }
            if fields.iter().any(|f: &RowField| f.name == name.value) {
                return Err(Diagnostic::user(format!("duplicate field \"{}\" in ROW type", name.value), name.span));
            }
            fields.push(RowField { name: name.value, data_type });
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect(&close)?;
        Ok(fields)
    }
}

/// The type name nearest to a misspelt one, if any is close.
fn closest_type_name(name: &str) -> Option<&'static str> {
    TYPE_NAMES
        .iter()
        .map(|t| (edit_distance(name, t), *t))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, t)| t)
}

/// Levenshtein distance on characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
