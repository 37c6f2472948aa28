use arrow_array::ArrowPrimitiveType;
use arrow_schema::DataType as ArrowType;
use sluice_types::TypeKind;

use super::distinct::RetractDistinct;
use super::min_max::{AppendMinMax, OrderedMinMax, PrimitiveRetractMinMax};
use super::numeric::{AvgSum, RetractAvg, RetractCount, RetractSum, RetractVariance};
use super::values::{RetractCollect, RetractFirstLast, RetractListAgg};
use super::{CallSite, RetractAccumulator};
use crate::aggregate::array_agg::ArrayAggAccumulator;
use crate::aggregate::lag::LagAccumulator;
use crate::aggregate::avg::AvgMode;
use crate::aggregate::bitmap::BitmapAccumulator;
use crate::aggregate::factory::{check_bitmap_types, function_name, primitive, PrimitiveMaker};
use crate::aggregate::numeric::{is_f64_producible, is_f64_readable};
use crate::aggregate::variance::{integer_bits, VarianceKind};
use crate::aggregate::json_agg::JsonAggAccumulator;
use crate::aggregate::percentile::PercentileAccumulator;
use crate::aggregate::AggregateError;
use crate::spec::{AggregateCall, AggregateKind};

/// Builds the retractable accumulator of one call. `arg_types` are the Arrow types of
/// the call's argument columns. With `insert_only` (the input never retracts) some
/// functions keep less state; `site` says whether the call is in a `GROUP BY` or an OVER
/// window. Fails on types the function does not take.
pub fn create_retract_accumulator(
    call: &AggregateCall,
    arg_types: &[ArrowType],
    insert_only: bool,
    site: CallSite,
) -> Result<Box<dyn RetractAccumulator>, AggregateError> {
    let name = function_name(call.kind);
    let expected = match call.kind {
        AggregateKind::Count => arg_types.len().max(call.distinct as usize),
        _ => 1,
    };
    if arg_types.len() < expected || (call.kind != AggregateKind::Count && arg_types.is_empty()) {
        return Err(AggregateError::Arity { function: name.into(), expected, actual: arg_types.len() });
    }
    let plain = create_plain(call, arg_types, insert_only, site)?;
    if call.distinct {
        let distinct = RetractDistinct::new(name, arg_types, plain)?;
        return Ok(Box::new(if call.kind == AggregateKind::ArrayAgg { distinct.with_nulls() } else { distinct }));
    }
    Ok(plain)
}

fn create_plain(
    call: &AggregateCall,
    arg_types: &[ArrowType],
    insert_only: bool,
    site: CallSite,
) -> Result<Box<dyn RetractAccumulator>, AggregateError> {
    let name = function_name(call.kind);
    let output = call.output_type.to_arrow();
    let input = arg_types.first().cloned().unwrap_or(ArrowType::Null);
    let unsupported = || AggregateError::UnsupportedType { function: name.into(), data_type: input.to_string() };
    let acc: Box<dyn RetractAccumulator> = match call.kind {
        AggregateKind::Count => Box::new(RetractCount::new()),
        AggregateKind::Sum => {
            if !is_f64_readable(&input) {
                return Err(unsupported());
            }
            primitive(&input, &output, SumMaker).ok_or_else(unsupported)?
        }
        AggregateKind::Min | AggregateKind::Max => {
            let is_max = call.kind == AggregateKind::Max;
            let typed = if insert_only {
                primitive(&input, &output, AppendMinMaxMaker { is_max })
            } else {
                primitive(&input, &output, RetractMinMaxMaker { is_max })
            };
            match typed {
                Some(acc) => acc,
                None => {
                    if input != output {
                        return Err(unsupported());
                    }
                    Box::new(OrderedMinMax::new(is_max, &input)?)
                }
            }
        }
        AggregateKind::Avg => {
            let mode = AvgMode::for_types(&input, &output).ok_or_else(unsupported)?;
            let sum = match (site, integer_bits(&input), &input) {
                (CallSite::GroupBy, _, _) => AvgSum::Wide,
                (CallSite::Over, Some(bits), _) => AvgSum::Integer { bits },
                (CallSite::Over, None, ArrowType::Float32) => AvgSum::Float32,
                (CallSite::Over, None, _) => AvgSum::Wide,
            };
            Box::new(RetractAvg::new(mode, sum, output))
        }
        AggregateKind::StddevPop | AggregateKind::StddevSamp | AggregateKind::VarPop | AggregateKind::VarSamp => {
            if !is_f64_readable(&input) || !is_f64_producible(&output) {
                return Err(unsupported());
            }
            let kind = VarianceKind::of(call.kind).ok_or_else(unsupported)?;
            // In an OVER window the function is Calcite's expansion into sums in the
            // argument's type; in a GROUP BY Flink computes it in doubles.
            let over = site == CallSite::Over;
            let int_bits = integer_bits(&input).filter(|_| over && output.is_integer());
            let float32 = over && input == ArrowType::Float32;
            Box::new(RetractVariance::new(kind, int_bits, float32, output))
        }
        AggregateKind::ListAgg => {
            if input != ArrowType::Utf8 {
                return Err(unsupported());
            }
            Box::new(RetractListAgg::new(call.separator.clone()))
        }
        AggregateKind::FirstValue | AggregateKind::LastValue => {
            if output != input {
                return Err(unsupported());
            }
            Box::new(RetractFirstLast::new(call.kind == AggregateKind::LastValue, insert_only, &input)?)
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
            Box::new(RetractCollect::new(&input, &output)?)
        }
        AggregateKind::ArrayAgg => Box::new(ArrayAggAccumulator::new(&input, &output)?),
        AggregateKind::Lag => Box::new(LagAccumulator::new(&input)?),
        AggregateKind::Bitmap { op, cardinality } => {
            check_bitmap_types(op, cardinality, &input, &output).ok_or_else(unsupported)?;
            Box::new(BitmapAccumulator::new(op, cardinality, !insert_only))
        }
    };
    Ok(acc)
}

struct SumMaker;
impl PrimitiveMaker for SumMaker {
    type Made = Box<dyn RetractAccumulator>;
    fn make<T: ArrowPrimitiveType>(self, output: &ArrowType) -> Box<dyn RetractAccumulator> {
        Box::new(RetractSum::<T>::new(output.clone()))
    }
}

struct AppendMinMaxMaker {
    is_max: bool,
}
impl PrimitiveMaker for AppendMinMaxMaker {
    type Made = Box<dyn RetractAccumulator>;
    fn make<T: ArrowPrimitiveType>(self, output: &ArrowType) -> Box<dyn RetractAccumulator> {
        Box::new(AppendMinMax::<T>::new(self.is_max, output.clone()))
    }
}

struct RetractMinMaxMaker {
    is_max: bool,
}
impl PrimitiveMaker for RetractMinMaxMaker {
    type Made = Box<dyn RetractAccumulator>;
    fn make<T: ArrowPrimitiveType>(self, output: &ArrowType) -> Box<dyn RetractAccumulator> {
        Box::new(PrimitiveRetractMinMax::<T>::new(self.is_max, output.clone()))
    }
}

