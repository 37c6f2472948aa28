//! Aggregate functions: which names are aggregates the runtime computes, and the result
//! type Flink gives each of them.

use sluice_runtime::spec::{AggregateKind, BitmapAggOp};
use sluice_sql::Span;
use sluice_types::{DataType, TypeKind};

use crate::error::{not_supported, user, PlanResult};

/// The runtime aggregate for a function name (upper case), `None` when the name is not
/// an aggregate Sluice computes.
pub fn aggregate_kind(name: &str) -> Option<AggregateKind> {
    Some(match name {
        "COUNT" => AggregateKind::Count,
        "SUM" => AggregateKind::Sum,
        "AVG" => AggregateKind::Avg,
        "MIN" => AggregateKind::Min,
        "MAX" => AggregateKind::Max,
        "LISTAGG" => AggregateKind::ListAgg,
        "FIRST_VALUE" => AggregateKind::FirstValue,
        "LAST_VALUE" => AggregateKind::LastValue,
        "STDDEV_POP" => AggregateKind::StddevPop,
        "STDDEV_SAMP" | "STDDEV" => AggregateKind::StddevSamp,
        "VAR_POP" => AggregateKind::VarPop,
        "VAR_SAMP" | "VARIANCE" => AggregateKind::VarSamp,
        "COLLECT" => AggregateKind::Collect,
        "ARRAY_AGG" => AggregateKind::ArrayAgg,
        "LAG" => AggregateKind::Lag,
        "PERCENTILE" => AggregateKind::Percentile,
        "BITMAP_BUILD_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::Build, cardinality: false },
        "BITMAP_BUILD_CARDINALITY_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::Build, cardinality: true },
        "BITMAP_AND_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::And, cardinality: false },
        "BITMAP_AND_CARDINALITY_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::And, cardinality: true },
        "BITMAP_OR_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::Or, cardinality: false },
        "BITMAP_OR_CARDINALITY_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::Or, cardinality: true },
        "BITMAP_XOR_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::Xor, cardinality: false },
        "BITMAP_XOR_CARDINALITY_AGG" => AggregateKind::Bitmap { op: BitmapAggOp::Xor, cardinality: true },
        "JSON_ARRAYAGG_ABSENT_ON_NULL" => AggregateKind::JsonArrayAgg { absent_on_null: true },
        "JSON_ARRAYAGG_NULL_ON_NULL" => AggregateKind::JsonArrayAgg { absent_on_null: false },
        "JSON_OBJECTAGG_ABSENT_ON_NULL" => AggregateKind::JsonObjectAgg { absent_on_null: true },
        "JSON_OBJECTAGG_NULL_ON_NULL" => AggregateKind::JsonObjectAgg { absent_on_null: false },
        _ => return None,
    })
}

/// The name of an aggregate as EXPLAIN shows it.
pub fn aggregate_name(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::Count => "COUNT",
        AggregateKind::Sum => "SUM",
        AggregateKind::Avg => "AVG",
        AggregateKind::Min => "MIN",
        AggregateKind::Max => "MAX",
        AggregateKind::ListAgg => "LISTAGG",
        AggregateKind::FirstValue => "FIRST_VALUE",
        AggregateKind::LastValue => "LAST_VALUE",
        AggregateKind::StddevPop => "STDDEV_POP",
        AggregateKind::StddevSamp => "STDDEV_SAMP",
        AggregateKind::VarPop => "VAR_POP",
        AggregateKind::VarSamp => "VAR_SAMP",
        AggregateKind::Collect => "COLLECT",
        AggregateKind::ArrayAgg => "ARRAY_AGG",
        AggregateKind::Lag => "LAG",
        AggregateKind::JsonArrayAgg { .. } => "JSON_ARRAYAGG",
        AggregateKind::JsonObjectAgg { .. } => "JSON_OBJECTAGG",
        AggregateKind::Percentile => "PERCENTILE",
        AggregateKind::Bitmap { op, cardinality } => op.function_name(cardinality),
    }
}

/// Checks the argument count of an aggregate call written as `name(...)`: `args` is the
/// number of arguments, `star` whether it was `name(*)`.
pub fn check_arity(name: &str, kind: AggregateKind, args: usize, star: bool, span: Span) -> PlanResult<()> {
    let ok = match kind {
        AggregateKind::Count => (star && args == 0) || (!star && args >= 1),
        AggregateKind::ListAgg => !star && (args == 1 || args == 2),
        AggregateKind::JsonObjectAgg { .. } => !star && args == 2,
        AggregateKind::Percentile => !star && (args == 2 || args == 3),
        AggregateKind::Lag => !star && (1..=3).contains(&args),
        _ => !star && args == 1,
    };
    if ok {
        return Ok(());
    }
    if kind == AggregateKind::Count && args > 1 {
        return Err(not_supported("COUNT of several arguments", span));
    }
    Err(user(format!("wrong number of arguments to aggregate function \"{name}\""), span))
}

/// Flink's result type of an aggregate over an argument of type `arg` (`None` for
/// `COUNT(*)`). `span` points at the call for type errors.
pub fn result_type(name: &str, kind: AggregateKind, arg: Option<&DataType>, span: Span) -> PlanResult<DataType> {
    let Some(arg) = arg else {
        return Ok(DataType::bigint().with_nullable(false));
    };
    let numeric = || -> PlanResult<()> {
        if arg.kind.is_numeric() {
            Ok(())
        } else {
            Err(user(format!("cannot apply \"{name}\" to an argument of type {arg}"), span)
                .with_hint(format!("\"{name}\" takes a numeric argument; CAST the value to a number first.")))
        }
    };
    Ok(match kind {
        AggregateKind::Count => DataType::bigint().with_nullable(false),
        AggregateKind::Sum => {
            numeric()?;
            match arg.kind {
                TypeKind::Decimal { scale, .. } => DataType::new(TypeKind::Decimal { precision: 38, scale }),
                _ => arg.nullable(),
            }
        }
        AggregateKind::Avg | AggregateKind::StddevPop | AggregateKind::StddevSamp | AggregateKind::VarPop | AggregateKind::VarSamp => {
            numeric()?;
            match arg.kind {
                TypeKind::Decimal { scale, .. } => DataType::new(TypeKind::Decimal { precision: 38, scale: scale.max(6) }),
                _ => arg.nullable(),
            }
        }
        AggregateKind::Min | AggregateKind::Max | AggregateKind::FirstValue | AggregateKind::LastValue => arg.nullable(),
        AggregateKind::ListAgg => {
            if !arg.is_string() {
                return Err(user(format!("cannot apply \"{name}\" to an argument of type {arg}"), span)
                    .with_hint("LISTAGG joins character strings; CAST the value to STRING first."));
            }
            DataType::string()
        }
        AggregateKind::Collect => DataType::not_null(TypeKind::Multiset(Box::new(arg.clone()))),
        AggregateKind::ArrayAgg => DataType::new(TypeKind::Array(Box::new(arg.clone()))),
        // NOT NULL only with a NOT NULL default: decided where the call is bound.
        AggregateKind::Lag => arg.nullable(),
        // ARRAY<DOUBLE> when the percentage is an array: decided where the call is bound.
        AggregateKind::Percentile => {
            numeric()?;
            DataType::double()
        }
        AggregateKind::Bitmap { op, cardinality } => {
            // Flink's signatures: BITMAP_BUILD_AGG(INT) (smaller integers widen to INT),
            // the others (BITMAP).
            let accepted = match op {
                BitmapAggOp::Build => matches!(arg.kind, TypeKind::TinyInt | TypeKind::SmallInt | TypeKind::Int | TypeKind::Null),
                _ => matches!(arg.kind, TypeKind::Bitmap | TypeKind::Null),
            };
            if !accepted {
                let wanted = if op == BitmapAggOp::Build { "INT" } else { "BITMAP" };
                return Err(user(format!("cannot apply \"{name}\" to an argument of type {arg}"), span)
                    .with_hint(format!("\"{name}\" takes one {wanted} argument.")));
            }
            DataType::new(if cardinality { TypeKind::BigInt } else { TypeKind::Bitmap })
        }
        AggregateKind::JsonArrayAgg { .. } | AggregateKind::JsonObjectAgg { .. } => DataType::not_null(TypeKind::Varchar {
            length: sluice_types::MAX_VARCHAR_LENGTH,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(kind: TypeKind) -> DataType {
        DataType::not_null(kind)
    }

    #[test]
    fn flink_result_types() {
        let s = Span::new(0, 1);
        let int = ty(TypeKind::Int);
        assert_eq!(result_type("COUNT", AggregateKind::Count, None, s).unwrap(), DataType::bigint().with_nullable(false));
        assert_eq!(result_type("AVG", AggregateKind::Avg, Some(&int), s).unwrap(), DataType::int());
        assert_eq!(result_type("SUM", AggregateKind::Sum, Some(&int), s).unwrap(), DataType::int());
        let dec = ty(TypeKind::Decimal { precision: 10, scale: 2 });
        assert_eq!(
            result_type("SUM", AggregateKind::Sum, Some(&dec), s).unwrap().kind,
            TypeKind::Decimal { precision: 38, scale: 2 }
        );
        assert_eq!(
            result_type("AVG", AggregateKind::Avg, Some(&dec), s).unwrap().kind,
            TypeKind::Decimal { precision: 38, scale: 6 }
        );
        let collect = result_type("COLLECT", AggregateKind::Collect, Some(&int), s).unwrap();
        assert!(!collect.nullable);
        assert!(matches!(collect.kind, TypeKind::Multiset(_)));
        assert!(result_type("MAX", AggregateKind::Max, Some(&int), s).unwrap().nullable);
    }

    #[test]
    fn sum_of_a_string_is_an_error() {
        let e = result_type("SUM", AggregateKind::Sum, Some(&DataType::string()), Span::new(3, 9)).unwrap_err();
        assert!(e.to_string().contains("cannot apply \"SUM\""), "{e}");
    }

    #[test]
    fn arity() {
        let s = Span::new(0, 1);
        assert!(check_arity("COUNT", AggregateKind::Count, 0, true, s).is_ok());
        assert!(check_arity("SUM", AggregateKind::Sum, 0, true, s).is_err());
        assert!(check_arity("LISTAGG", AggregateKind::ListAgg, 2, false, s).is_ok());
    }
}
