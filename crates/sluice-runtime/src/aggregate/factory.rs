use arrow_array::types::*;
use arrow_array::{ArrowPrimitiveType, PrimitiveArray};
use arrow_schema::{DataType as ArrowType, IntervalUnit, TimeUnit};
use sluice_types::TypeKind;

use super::avg::{AvgAccumulator, AvgMode};
use super::bitmap::BitmapAccumulator;
use super::array_agg::ArrayAggAccumulator;
use super::collect::CollectAccumulator;
use super::count::CountAccumulator;
use super::distinct::DistinctAccumulator;
use super::first_last::FirstLastAccumulator;
use super::json_agg::JsonAggAccumulator;
use super::percentile::PercentileAccumulator;
use super::list_agg::ListAggAccumulator;
use super::min_max::{BoolMinMax, BytesMinMax, PrimitiveMinMax};
use super::numeric::{is_f64_producible, is_f64_readable};
use super::sum::SumAccumulator;
use super::variance::{VarianceAccumulator, VarianceKind};
use super::{AggregateError, GroupAccumulator};
use crate::spec::{AggregateCall, AggregateKind, BitmapAggOp};

/// The name Flink gives the function, for messages.
pub fn function_name(kind: AggregateKind) -> &'static str {
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

/// Builds the accumulator of one call. `arg_types` are the Arrow types of the call's
/// argument columns, in order. Fails on argument or result types the function does not
/// take, so that a plan is rejected before it runs.
pub fn create_accumulator(call: &AggregateCall, arg_types: &[ArrowType]) -> Result<Box<dyn GroupAccumulator>, AggregateError> {
    let name = function_name(call.kind);
    let expected = match call.kind {
        AggregateKind::Count => arg_types.len().max(call.distinct as usize),
        _ => 1,
    };
    if arg_types.len() < expected || (call.kind != AggregateKind::Count && arg_types.is_empty()) {
        return Err(AggregateError::Arity { function: name.into(), expected, actual: arg_types.len() });
    }
    if call.distinct {
        let plain = AggregateCall { distinct: false, filter: None, ..call.clone() };
        let types = arg_types.to_vec();
        let inner_types = types.clone();
        // Check once now that the plain function accepts the types.
        create_plain(&plain, &types)?;
        let factory = Box::new(move || create_plain(&plain, &inner_types));
        let distinct = DistinctAccumulator::new(name, &types, factory)?;
        return Ok(Box::new(if call.kind == AggregateKind::ArrayAgg { distinct.with_nulls() } else { distinct }));
    }
    create_plain(call, arg_types)
}

fn create_plain(call: &AggregateCall, arg_types: &[ArrowType]) -> Result<Box<dyn GroupAccumulator>, AggregateError> {
    let name = function_name(call.kind);
    let output = call.output_type.to_arrow();
    let input = arg_types.first().cloned().unwrap_or(ArrowType::Null);
    let unsupported = || AggregateError::UnsupportedType { function: name.into(), data_type: input.to_string() };
    let acc: Box<dyn GroupAccumulator> = match call.kind {
        AggregateKind::Count => Box::new(CountAccumulator::default()),
        AggregateKind::Sum => {
            if !is_f64_readable(&input) {
                return Err(unsupported());
            }
            primitive(&input, &output, SumMaker).ok_or_else(unsupported)?
        }
        AggregateKind::Min | AggregateKind::Max => {
            let is_max = call.kind == AggregateKind::Max;
            match &input {
                ArrowType::Boolean => Box::new(BoolMinMax::new(is_max)),
                ArrowType::Utf8 => Box::new(BytesMinMax::new(is_max, true)),
                ArrowType::Binary => Box::new(BytesMinMax::new(is_max, false)),
                _ => primitive(&input, &output, MinMaxMaker { is_max }).ok_or_else(unsupported)?,
            }
        }
        AggregateKind::Avg => {
            let mode = AvgMode::for_types(&input, &output).ok_or_else(unsupported)?;
            Box::new(AvgAccumulator::new(mode, output))
        }
        AggregateKind::StddevPop | AggregateKind::StddevSamp | AggregateKind::VarPop | AggregateKind::VarSamp => {
            if !is_f64_readable(&input) || !is_f64_producible(&output) {
                return Err(unsupported());
            }
            let kind = VarianceKind::of(call.kind).ok_or_else(unsupported)?;
            Box::new(VarianceAccumulator::new(kind, output))
        }
        AggregateKind::ListAgg => {
            if input != ArrowType::Utf8 {
                return Err(unsupported());
            }
            Box::new(ListAggAccumulator::new(call.separator.clone()))
        }
        AggregateKind::FirstValue | AggregateKind::LastValue => {
            if output != input {
                return Err(unsupported());
            }
            Box::new(FirstLastAccumulator::new(call.kind == AggregateKind::LastValue, &input)?)
        }
        AggregateKind::JsonArrayAgg { absent_on_null } => Box::new(JsonAggAccumulator::new(false, absent_on_null)),
        AggregateKind::JsonObjectAgg { absent_on_null } => Box::new(JsonAggAccumulator::new(true, absent_on_null)),
        AggregateKind::Percentile => {
            let multi = matches!(arg_types.get(1), Some(ArrowType::List(_)));
            Box::new(PercentileAccumulator::new(multi, output.clone()))
        }
        AggregateKind::Collect => {
            if !matches!(call.output_type.kind, TypeKind::Multiset(_)) {
                return Err(unsupported());
            }
            Box::new(CollectAccumulator::new(&input, &output)?)
        }
        AggregateKind::ArrayAgg => Box::new(ArrayAggAccumulator::new(&input, &output)?),
        // An OVER-window function, never a window aggregation's.
        AggregateKind::Lag => return Err(AggregateError::Unsupported("LAG outside an OVER window".into())),
        AggregateKind::Bitmap { op, cardinality } => {
            check_bitmap_types(op, cardinality, &input, &output).ok_or_else(unsupported)?;
            Box::new(BitmapAccumulator::new(op, cardinality, false))
        }
    };
    Ok(acc)
}

/// Checks the Arrow types of a `BITMAP_*_AGG` call: INT (`BUILD`) or a bitmap's bytes in,
/// a bitmap's bytes or a BIGINT (`cardinality`) out.
pub(crate) fn check_bitmap_types(op: BitmapAggOp, cardinality: bool, input: &ArrowType, output: &ArrowType) -> Option<()> {
    let input_ok = match op {
        BitmapAggOp::Build => *input == ArrowType::Int32,
        _ => *input == ArrowType::Binary,
    };
    let output_ok = if cardinality { *output == ArrowType::Int64 } else { *output == ArrowType::Binary };
    (input_ok && output_ok).then_some(())
}

/// Builds an accumulator (of the window or the retracting kind) generic over an Arrow
/// primitive type; `primitive` picks the type.
pub(crate) trait PrimitiveMaker {
    type Made;
    fn make<T: ArrowPrimitiveType>(self, output: &ArrowType) -> Self::Made;
}

struct SumMaker;
impl PrimitiveMaker for SumMaker {
    type Made = Box<dyn GroupAccumulator>;
    fn make<T: ArrowPrimitiveType>(self, output: &ArrowType) -> Box<dyn GroupAccumulator> {
        Box::new(SumAccumulator::<T>::new(output.clone()))
    }
}

struct MinMaxMaker {
    is_max: bool,
}
impl PrimitiveMaker for MinMaxMaker {
    type Made = Box<dyn GroupAccumulator>;
    fn make<T: ArrowPrimitiveType>(self, output: &ArrowType) -> Box<dyn GroupAccumulator> {
        Box::new(PrimitiveMinMax::<T>::new(self.is_max, output.clone()))
    }
}

/// Picks the primitive type of `input`; `None` when `input` is not primitive or when
/// `output` cannot hold the same native values (the result keeps the input's layout).
pub(crate) fn primitive<M: PrimitiveMaker>(input: &ArrowType, output: &ArrowType, maker: M) -> Option<M::Made> {
    fn checked<T: ArrowPrimitiveType, M: PrimitiveMaker>(output: &ArrowType, maker: M) -> Option<M::Made> {
        PrimitiveArray::<T>::is_compatible(output).then(|| maker.make::<T>(output))
    }
    match input {
        ArrowType::Int8 => checked::<Int8Type, M>(output, maker),
        ArrowType::Int16 => checked::<Int16Type, M>(output, maker),
        ArrowType::Int32 => checked::<Int32Type, M>(output, maker),
        ArrowType::Int64 => checked::<Int64Type, M>(output, maker),
        ArrowType::Float32 => checked::<Float32Type, M>(output, maker),
        ArrowType::Float64 => checked::<Float64Type, M>(output, maker),
        ArrowType::Decimal128(..) => checked::<Decimal128Type, M>(output, maker),
        ArrowType::Date32 => checked::<Date32Type, M>(output, maker),
        ArrowType::Time32(TimeUnit::Millisecond) => checked::<Time32MillisecondType, M>(output, maker),
        ArrowType::Timestamp(TimeUnit::Microsecond, _) => checked::<TimestampMicrosecondType, M>(output, maker),
        ArrowType::Duration(TimeUnit::Millisecond) => checked::<DurationMillisecondType, M>(output, maker),
        ArrowType::Interval(IntervalUnit::YearMonth) => checked::<IntervalYearMonthType, M>(output, maker),
        _ => None,
    }
}
