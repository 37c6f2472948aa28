//! Flink's type-merging rules: the common type of several types (CASE branches,
//! COALESCE, UNION ALL, IN lists) and the result types of decimal arithmetic.

use sluice_types::{DataType, RowField, TypeKind, MAX_VARCHAR_LENGTH};

/// The largest DECIMAL precision.
pub(crate) const MAX_PRECISION: u32 = 38;

/// The least restrictive common type of `types`: nullable when any is, `None` when two
/// of them do not mix (e.g. STRING and INT). A `NULL`-typed entry fits anything.
pub fn common_type(types: &[DataType]) -> Option<DataType> {
    let mut iter = types.iter();
    let first = iter.next()?;
    let mut kind = first.kind.clone();
    let mut nullable = first.nullable || first.kind == TypeKind::Null;
    for t in iter {
        nullable |= t.nullable || t.kind == TypeKind::Null;
        kind = common_kind(&kind, &t.kind)?;
    }
    Some(DataType { kind, nullable })
}

/// The rank of a numeric type in Flink's promotion order.
pub(crate) fn numeric_rank(kind: &TypeKind) -> Option<u8> {
    Some(match kind {
        TypeKind::TinyInt => 1,
        TypeKind::SmallInt => 2,
        TypeKind::Int => 3,
        TypeKind::BigInt => 4,
        TypeKind::Decimal { .. } => 5,
        TypeKind::Float => 6,
        TypeKind::Double => 7,
        _ => return None,
    })
}

/// An exact numeric type as a DECIMAL (precision, scale): integers hold as many digits as
/// their range needs.
pub(crate) fn as_decimal(kind: &TypeKind) -> Option<(u32, i32)> {
    Some(match kind {
        TypeKind::TinyInt => (3, 0),
        TypeKind::SmallInt => (5, 0),
        TypeKind::Int => (10, 0),
        TypeKind::BigInt => (19, 0),
        TypeKind::Decimal { precision, scale } => (*precision as u32, *scale as i32),
        _ => return None,
    })
}

/// Flink's `adjustPrecisionScale`: keeps precision at most 38 and gives up scale (but
/// never below 6) to keep the integer digits.
pub(crate) fn decimal(precision: u32, scale: i32) -> TypeKind {
    let (p, s) = if precision <= MAX_PRECISION {
        (precision.max(1), scale)
    } else {
        let int_digits = precision as i32 - scale;
        let min_scale = scale.min(6);
        let s = (MAX_PRECISION as i32 - int_digits).max(min_scale);
        (MAX_PRECISION, s)
    };
    TypeKind::Decimal { precision: p as u8, scale: s.clamp(0, p as i32) as i8 }
}

/// The common type of two numeric kinds.
pub(crate) fn common_numeric(a: &TypeKind, b: &TypeKind) -> Option<TypeKind> {
    let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
    if let (TypeKind::Decimal { .. }, _) | (_, TypeKind::Decimal { .. }) = (a, b) {
        if ra <= 5 && rb <= 5 {
            let (p1, s1) = as_decimal(a)?;
            let (p2, s2) = as_decimal(b)?;
            let s = s1.max(s2);
            let p = (p1 as i32 - s1).max(p2 as i32 - s2) + s;
            return Some(decimal(p as u32, s));
        }
        if ra == 6 || rb == 6 {
            return Some(TypeKind::Double);
        }
    }
    Some(if ra >= rb { a.clone() } else { b.clone() })
}

fn string_length(kind: &TypeKind) -> Option<u32> {
    match kind {
        TypeKind::Char { length } | TypeKind::Varchar { length } => Some(*length),
        _ => None,
    }
}

fn binary_length(kind: &TypeKind) -> Option<u32> {
    match kind {
        TypeKind::Binary { length } | TypeKind::Varbinary { length } => Some(*length),
        _ => None,
    }
}

/// The common kind of two kinds, if they mix.
pub(crate) fn common_kind(a: &TypeKind, b: &TypeKind) -> Option<TypeKind> {
    use TypeKind::*;
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Null, other) | (other, Null) => Some(other.clone()),
        _ if a.is_numeric() && b.is_numeric() => common_numeric(a, b),
        _ if string_length(a).is_some() && string_length(b).is_some() => {
            let (la, lb) = (string_length(a)?, string_length(b)?);
            if matches!((a, b), (Char { .. }, Char { .. })) && la == lb {
                return Some(a.clone());
            }
            Some(Varchar { length: la.max(lb).min(MAX_VARCHAR_LENGTH) })
        }
        _ if binary_length(a).is_some() && binary_length(b).is_some() => {
            Some(Varbinary { length: binary_length(a)?.max(binary_length(b)?) })
        }
        (Timestamp { precision: p }, Timestamp { precision: q })
        | (Timestamp { precision: p }, TimestampLtz { precision: q })
        | (TimestampLtz { precision: p }, Timestamp { precision: q }) => Some(Timestamp { precision: *p.max(q) }),
        (TimestampLtz { precision: p }, TimestampLtz { precision: q }) => Some(TimestampLtz { precision: *p.max(q) }),
        (Date, Timestamp { precision }) | (Timestamp { precision }, Date) => Some(Timestamp { precision: *precision }),
        (Date, TimestampLtz { precision }) | (TimestampLtz { precision }, Date) => {
            Some(TimestampLtz { precision: *precision })
        }
        (Time { precision: p }, Time { precision: q }) => Some(Time { precision: *p.max(q) }),
        (Array(x), Array(y)) => Some(Array(Box::new(common_type(&[(**x).clone(), (**y).clone()])?))),
        (Multiset(x), Multiset(y)) => Some(Multiset(Box::new(common_type(&[(**x).clone(), (**y).clone()])?))),
        (Map(k1, v1), Map(k2, v2)) => Some(Map(
            Box::new(common_type(&[(**k1).clone(), (**k2).clone()])?),
            Box::new(common_type(&[(**v1).clone(), (**v2).clone()])?),
        )),
        (Row(f1), Row(f2)) if f1.len() == f2.len() => {
            let fields = f1
                .iter()
                .zip(f2)
                .map(|(x, y)| {
                    Some(RowField {
                        name: x.name.clone(),
                        data_type: common_type(&[x.data_type.clone(), y.data_type.clone()])?,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Row(fields))
        }
        // Structured objects meet only their own class with the same field types.
        (Structured { class: c1, fields: f1 }, Structured { class: c2, fields: f2 })
            if c1 == c2
                && f1.len() == f2.len()
                && f1.iter().zip(f2).all(|(x, y)| x.name == y.name && x.data_type.kind == y.data_type.kind) =>
        {
            let fields = f1
                .iter()
                .zip(f2)
                .map(|(x, y)| RowField { name: x.name.clone(), data_type: x.data_type.clone().with_nullable(x.data_type.nullable || y.data_type.nullable) })
                .collect();
            Some(Structured { class: c1.clone(), fields })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_promotion() {
        let t = common_type(&[DataType::int(), DataType::not_null(TypeKind::BigInt)]).unwrap();
        assert_eq!(t, DataType::bigint());
        let t = common_type(&[
            DataType::not_null(TypeKind::Int),
            DataType::not_null(TypeKind::Decimal { precision: 5, scale: 2 }),
        ])
        .unwrap();
        assert_eq!(t, DataType::not_null(TypeKind::Decimal { precision: 12, scale: 2 }));
        assert_eq!(common_type(&[DataType::int(), DataType::double()]), Some(DataType::double()));
        assert_eq!(common_type(&[DataType::int(), DataType::string()]), None);
    }

    #[test]
    fn null_and_strings_and_time() {
        let t = common_type(&[DataType::not_null(TypeKind::Null), DataType::not_null(TypeKind::Int)]).unwrap();
        assert_eq!(t, DataType::int());
        let t = common_type(&[
            DataType::not_null(TypeKind::Char { length: 1 }),
            DataType::not_null(TypeKind::Char { length: 3 }),
        ])
        .unwrap();
        assert_eq!(t.kind, TypeKind::Varchar { length: 3 });
        let t = common_type(&[DataType::timestamp(3), DataType::timestamp_ltz(6)]).unwrap();
        assert_eq!(t.kind, TypeKind::Timestamp { precision: 6 });
    }

    #[test]
    fn decimal_adjustment() {
        assert_eq!(decimal(40, 10), TypeKind::Decimal { precision: 38, scale: 8 });
        assert_eq!(decimal(76, 20), TypeKind::Decimal { precision: 38, scale: 6 });
        assert_eq!(decimal(10, 2), TypeKind::Decimal { precision: 10, scale: 2 });
    }
}
