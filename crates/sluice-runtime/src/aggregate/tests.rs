//! Unit tests of each aggregate through `create_accumulator`.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int32Array, Int8Array, StringArray};
use arrow_buffer::BooleanBuffer;
use sluice_types::{DataType, TypeKind};

use super::{create_accumulator, true_rows, GroupAccumulator};
use crate::spec::{AggregateCall, AggregateKind};

fn call(kind: AggregateKind, arg: Option<DataType>, output: DataType) -> AggregateCall {
    AggregateCall {
        kind,
        args: if arg.is_some() { vec![0] } else { vec![] },
        distinct: false,
        filter: None,
        separator: None,
        arg_type: arg,
        output_type: output,
    }
}

/// Runs `call` over `values` with the given group of each row, returning one result per
/// group `0..groups`.
fn run(call: &AggregateCall, values: ArrayRef, group_ids: &[u32], groups: usize, selected: Option<&BooleanBuffer>) -> ArrayRef {
    let types = if call.args.is_empty() { vec![] } else { vec![values.data_type().clone()] };
    let mut acc = create_accumulator(call, &types).unwrap();
    acc.resize(groups);
    let args = if call.args.is_empty() { vec![] } else { vec![values] };
    acc.update(&args, group_ids, selected).unwrap();
    let all: Vec<u32> = (0..groups as u32).collect();
    acc.evaluate(&all).unwrap()
}

fn ints(v: &[Option<i32>]) -> ArrayRef {
    Arc::new(Int32Array::from(v.to_vec()))
}

#[test]
fn count_star_and_count_of_values() {
    let values = ints(&[Some(1), None, Some(3)]);
    let star = run(&call(AggregateKind::Count, None, DataType::bigint()), values.clone(), &[0, 0, 1], 3, None);
    assert_eq!(star.as_primitive::<Int64Type>().values().to_vec(), vec![2, 1, 0]);
    let c = run(&call(AggregateKind::Count, Some(DataType::int()), DataType::bigint()), values, &[0, 0, 1], 3, None);
    assert_eq!(c.as_primitive::<Int64Type>().values().to_vec(), vec![1, 1, 0]);
}

#[test]
fn sum_wraps_like_java_and_is_null_without_values() {
    let t = DataType::new(TypeKind::TinyInt);
    let values: ArrayRef = Arc::new(Int8Array::from(vec![Some(100), Some(100), None]));
    let s = run(&call(AggregateKind::Sum, Some(t.clone()), t), values, &[0, 0, 1], 2, None);
    let s = s.as_primitive::<Int8Type>();
    assert_eq!(s.value(0), -56);
    assert!(s.is_null(1));
}

#[test]
fn avg_of_integers_truncates_toward_zero() {
    let values = ints(&[Some(-7), Some(2), Some(5), Some(6), None]);
    let a = run(&call(AggregateKind::Avg, Some(DataType::int()), DataType::int()), values, &[0, 0, 1, 1, 2], 3, None);
    let a = a.as_primitive::<Int32Type>();
    assert_eq!((a.value(0), a.value(1)), (-2, 5));
    assert!(a.is_null(2));
}

#[test]
fn avg_of_doubles_and_decimals() {
    let values: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0]));
    let a = run(&call(AggregateKind::Avg, Some(DataType::double()), DataType::double()), values, &[0, 0], 1, None);
    assert_eq!(a.as_primitive::<Float64Type>().value(0), 1.5);

    // AVG of DECIMAL(10, 2) is DECIMAL(38, 6), rounded HALF_UP: (1.00 + 1.00 + 1.01) / 3.
    let input = DataType::new(TypeKind::Decimal { precision: 10, scale: 2 });
    let output = DataType::new(TypeKind::Decimal { precision: 38, scale: 6 });
    let values: ArrayRef = Arc::new(Decimal128Array::from(vec![100, 100, 101, -1, -2]).with_precision_and_scale(10, 2).unwrap());
    let a = run(&call(AggregateKind::Avg, Some(input), output), values, &[0, 0, 0, 1, 1], 2, None);
    let a = a.as_primitive::<Decimal128Type>();
    assert_eq!(a.value(0), 1_003_333);
    assert_eq!(a.value(1), -15_000); // -0.015 exactly
    assert_eq!(a.data_type(), &arrow_schema::DataType::Decimal128(38, 6));
    assert_eq!(super::avg::decimal_avg(-5, 2, 0, 0), Some(-3)); // -2.5 rounds away from zero
}

#[test]
fn min_max_of_strings_booleans_and_numbers() {
    let s: ArrayRef = Arc::new(StringArray::from(vec![Some("b"), None, Some("a"), Some("c")]));
    let mn = run(&call(AggregateKind::Min, Some(DataType::string()), DataType::string()), s.clone(), &[0, 0, 0, 1], 3, None);
    let mn = mn.as_string::<i32>();
    assert_eq!((mn.value(0), mn.value(1), mn.is_null(2)), ("a", "c", true));
    let mx = run(&call(AggregateKind::Max, Some(DataType::string()), DataType::string()), s, &[0, 0, 0, 1], 2, None);
    assert_eq!(mx.as_string::<i32>().value(0), "b");
    let b: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]));
    let mn = run(&call(AggregateKind::Min, Some(DataType::boolean()), DataType::boolean()), b.clone(), &[0, 0, 1], 2, None);
    assert_eq!((mn.as_boolean().value(0), mn.is_null(1)), (false, true));
    let mx = run(&call(AggregateKind::Max, Some(DataType::boolean()), DataType::boolean()), b, &[0, 0, 1], 2, None);
    assert!(mx.as_boolean().value(0));
    let n: ArrayRef = Arc::new(Float64Array::from(vec![-1.5, 3.0]));
    let mx = run(&call(AggregateKind::Max, Some(DataType::double()), DataType::double()), n, &[0, 0], 1, None);
    assert_eq!(mx.as_primitive::<Float64Type>().value(0), 3.0);
}

#[test]
fn variance_family() {
    let values: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(5.0), None]));
    let g = [0, 0, 0, 0, 1, 1];
    let f = |kind| run(&call(kind, Some(DataType::double()), DataType::double()), values.clone(), &g, 3, None);
    let vp = f(AggregateKind::VarPop);
    let vp = vp.as_primitive::<Float64Type>();
    assert_eq!(vp.value(0), 1.25);
    assert_eq!(vp.value(1), 0.0);
    assert!(vp.is_null(2));
    let vs = f(AggregateKind::VarSamp);
    let vs = vs.as_primitive::<Float64Type>();
    assert!((vs.value(0) - 5.0 / 3.0).abs() < 1e-12);
    assert!(vs.is_null(1)); // one value: no sample variance
    let sd = f(AggregateKind::StddevPop);
    assert!((sd.as_primitive::<Float64Type>().value(0) - 1.25f64.sqrt()).abs() < 1e-12);
    let ss = f(AggregateKind::StddevSamp);
    assert!((ss.as_primitive::<Float64Type>().value(0) - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
    // Integer input, integer result: truncated.
    let i = run(&call(AggregateKind::VarPop, Some(DataType::int()), DataType::int()), ints(&[Some(1), Some(2), Some(4)]), &[0, 0, 0], 1, None);
    assert_eq!(i.as_primitive::<Int32Type>().value(0), 1); // 1.555...
}

#[test]
fn listagg_first_last_skip_nulls_in_arrival_order() {
    let s: ArrayRef = Arc::new(StringArray::from(vec![None, Some("x"), Some("y"), None, Some("z")]));
    let mut c = call(AggregateKind::ListAgg, Some(DataType::string()), DataType::string());
    let l = run(&c, s.clone(), &[0, 0, 0, 1, 0], 2, None);
    assert_eq!(l.as_string::<i32>().value(0), "x,y,z");
    assert!(l.is_null(1));
    c.separator = Some("; ".into());
    assert_eq!(run(&c, s.clone(), &[0, 0, 0, 1, 0], 2, None).as_string::<i32>().value(0), "x; y; z");
    let first = run(&call(AggregateKind::FirstValue, Some(DataType::string()), DataType::string()), s.clone(), &[0, 0, 0, 1, 0], 2, None);
    assert_eq!((first.as_string::<i32>().value(0), first.is_null(1)), ("x", true));
    let last = run(&call(AggregateKind::LastValue, Some(DataType::string()), DataType::string()), s, &[0, 0, 0, 1, 0], 2, None);
    assert_eq!(last.as_string::<i32>().value(0), "z");
}

#[test]
fn collect_counts_values_in_first_seen_order() {
    let out = DataType::new(TypeKind::Multiset(Box::new(DataType::string())));
    let s: ArrayRef = Arc::new(StringArray::from(vec![Some("b"), Some("a"), None, Some("b")]));
    let m = run(&call(AggregateKind::Collect, Some(DataType::string()), out.clone()), s, &[0, 0, 0, 0], 2, None);
    assert_eq!(m.data_type(), &out.to_arrow());
    let m = m.as_map();
    let first = m.value(0);
    assert_eq!(first.column(0).as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("b"), Some("a")]);
    assert_eq!(first.column(1).as_primitive::<Int32Type>().values().to_vec(), vec![2, 1]);
    assert_eq!(m.value(1).len(), 0);
}

#[test]
fn filter_keeps_only_true_rows() {
    let filter = BooleanArray::from(vec![Some(true), None, Some(false), Some(true)]);
    let selected = true_rows(&filter);
    let c = run(&call(AggregateKind::Sum, Some(DataType::int()), DataType::int()), ints(&[Some(1), Some(2), Some(4), Some(8)]), &[0; 4], 1, Some(&selected));
    assert_eq!(c.as_primitive::<Int32Type>().value(0), 9);
}

#[test]
fn distinct_counts_each_value_once_across_merged_groups() {
    let mut c = call(AggregateKind::Count, Some(DataType::int()), DataType::bigint());
    c.distinct = true;
    let mut acc = create_accumulator(&c, &[arrow_schema::DataType::Int32]).unwrap();
    acc.resize(3);
    acc.update(&[ints(&[Some(1), Some(1), Some(2), None])], &[0, 0, 0, 0], None).unwrap();
    acc.update(&[ints(&[Some(2), Some(3)])], &[1, 1], None).unwrap();
    let r = acc.evaluate(&[0, 1]).unwrap();
    assert_eq!(r.as_primitive::<Int64Type>().values().to_vec(), vec![2, 2]);
    // Merging two slices into a window: {1, 2} ∪ {2, 3}.
    acc.merge(0, 2);
    acc.merge(1, 2);
    assert_eq!(acc.evaluate(&[2]).unwrap().as_primitive::<Int64Type>().value(0), 3);
    let mut s = call(AggregateKind::Sum, Some(DataType::int()), DataType::int());
    s.distinct = true;
    let r = run(&s, ints(&[Some(5), Some(5), Some(1)]), &[0, 0, 0], 1, None);
    assert_eq!(r.as_primitive::<Int32Type>().value(0), 6);
}

#[test]
fn merge_and_reset() {
    let c = call(AggregateKind::Max, Some(DataType::int()), DataType::int());
    let mut acc: Box<dyn GroupAccumulator> = create_accumulator(&c, &[arrow_schema::DataType::Int32]).unwrap();
    acc.resize(3);
    acc.update(&[ints(&[Some(4), Some(9)])], &[0, 1], None).unwrap();
    acc.merge(1, 0);
    acc.merge(2, 0); // an empty group changes nothing
    assert_eq!(acc.evaluate(&[0]).unwrap().as_primitive::<Int32Type>().value(0), 9);
    acc.reset(0);
    assert!(acc.evaluate(&[0]).unwrap().is_null(0));
}

#[test]
fn unsupported_types_are_rejected_at_build_time() {
    let c = call(AggregateKind::Sum, Some(DataType::string()), DataType::string());
    assert!(create_accumulator(&c, &[arrow_schema::DataType::Utf8]).is_err());
    let c = call(AggregateKind::Avg, Some(DataType::boolean()), DataType::boolean());
    assert!(create_accumulator(&c, &[arrow_schema::DataType::Boolean]).is_err());
    let c = call(AggregateKind::Sum, Some(DataType::int()), DataType::int());
    assert!(create_accumulator(&c, &[]).is_err());
}

/// Every kind of accumulator state survives `save` and `load` into fresh groups of a
/// fresh accumulator: the loaded groups evaluate as the saved ones did, and go on
/// accumulating as they would have.
#[test]
fn state_saved_and_loaded_evaluates_and_continues_the_same() {
    use sluice_connector_api::state::{StateReader, StateWriter};

    let strings: ArrayRef = Arc::new(StringArray::from(vec![Some("b"), None, Some("a"), Some("c"), Some("b"), Some("é")]));
    let numbers = ints(&[Some(4), Some(-2), None, Some(7), Some(4), Some(1)]);
    let doubles: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.5), None, Some(-3.25), Some(0.1), Some(2.0), Some(9.0)]));
    let flags: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), Some(false), None, Some(false), Some(true), None]));
    let decimals: ArrayRef =
        Arc::new(Decimal128Array::from(vec![100, 250, -1, 7, 3, 0]).with_precision_and_scale(10, 2).unwrap());
    let decimal = DataType::new(TypeKind::Decimal { precision: 10, scale: 2 });
    let multiset = DataType::new(TypeKind::Multiset(Box::new(DataType::string())));
    let distinct = |mut c: AggregateCall| {
        c.distinct = true;
        c
    };
    use AggregateKind::*;
    let cases: Vec<(AggregateCall, ArrayRef)> = vec![
        (call(Count, None, DataType::bigint()), numbers.clone()),
        (call(Sum, Some(DataType::int()), DataType::int()), numbers.clone()),
        (call(Avg, Some(DataType::int()), DataType::int()), numbers.clone()),
        (call(Avg, Some(DataType::double()), DataType::double()), doubles.clone()),
        (call(Avg, Some(decimal.clone()), DataType::new(TypeKind::Decimal { precision: 38, scale: 6 })), decimals),
        (call(StddevSamp, Some(DataType::double()), DataType::double()), doubles.clone()),
        (call(Min, Some(DataType::int()), DataType::int()), numbers.clone()),
        (call(Max, Some(DataType::string()), DataType::string()), strings.clone()),
        (call(Min, Some(DataType::boolean()), DataType::boolean()), flags),
        (call(FirstValue, Some(DataType::string()), DataType::string()), strings.clone()),
        (call(LastValue, Some(DataType::double()), DataType::double()), doubles),
        (call(ListAgg, Some(DataType::string()), DataType::string()), strings.clone()),
        (call(Collect, Some(DataType::string()), multiset), strings.clone()),
        (distinct(call(Count, Some(DataType::string()), DataType::bigint())), strings),
        (distinct(call(Sum, Some(DataType::int()), DataType::int())), numbers),
    ];
    let groups = [0, 1, 0, 2, 2, 0];
    for (c, values) in cases {
        let what = format!("{:?} distinct={}", c.kind, c.distinct);
        let types = vec![values.data_type().clone()];
        let args = if c.args.is_empty() { vec![] } else { vec![values.clone()] };
        let mut original = create_accumulator(&c, &types).unwrap();
        original.resize(4);
        original.update(&args, &groups, None).unwrap();
        // Groups 2, 0 and 3 (empty) are saved and loaded into groups 1, 3 and 0.
        let mut out = StateWriter::new(1);
        original.save(&[2, 0, 3], &mut out).unwrap();
        let blob = out.finish();
        let mut restored = create_accumulator(&c, &types).unwrap();
        restored.resize(4);
        let (mut input, _) = StateReader::open(&blob, "test", &[1]).unwrap();
        restored.load(&[1, 3, 0], &mut input).unwrap();
        input.end().unwrap();
        assert_eq!(restored.evaluate(&[1, 3, 0]).unwrap().to_data(), original.evaluate(&[2, 0, 3]).unwrap().to_data(), "{what}");
        original.update(&args, &[2, 0, 3, 2, 0, 3], None).unwrap();
        restored.update(&args, &[1, 3, 0, 1, 3, 0], None).unwrap();
        assert_eq!(restored.evaluate(&[1, 3, 0]).unwrap().to_data(), original.evaluate(&[2, 0, 3]).unwrap().to_data(), "{what} after more rows");
        // A damaged blob is an error, never a panic.
        for cut in 1..blob.len() {
            let mut fresh = create_accumulator(&c, &types).unwrap();
            fresh.resize(4);
            let (mut input, _) = StateReader::open(&blob[..cut], "test", &[1]).unwrap();
            assert!(fresh.load(&[1, 3, 0], &mut input).is_err() || input.end().is_err(), "{what} cut at {cut}");
        }
    }
}

/// The same for the retracting accumulators of the updating GROUP BY and OVER: groups built by
/// adding and retracting rows are saved and loaded into other groups of a fresh
/// accumulator, and then give the same results as more rows come and go.
#[test]
fn retract_state_saved_and_loaded_gives_the_same_results() {
    use sluice_connector_api::state::{StateReader, StateWriter};

    use super::retract::{create_retract_accumulator, CallSite};

    let strings: ArrayRef = Arc::new(StringArray::from(vec![Some("b"), None, Some("a"), Some("c"), Some("b"), Some("é")]));
    let numbers = ints(&[Some(4), Some(-2), None, Some(7), Some(4), Some(1)]);
    let doubles: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.5), None, Some(-3.25), Some(0.1), Some(2.0), Some(9.0)]));
    let multiset = DataType::new(TypeKind::Multiset(Box::new(DataType::string())));
    let distinct = |mut c: AggregateCall| {
        c.distinct = true;
        c
    };
    use AggregateKind::*;
    let cases: Vec<(AggregateCall, ArrayRef, bool)> = vec![
        (call(Count, None, DataType::bigint()), numbers.clone(), false),
        (call(Sum, Some(DataType::int()), DataType::int()), numbers.clone(), false),
        (call(Avg, Some(DataType::double()), DataType::double()), doubles.clone(), false),
        (call(VarSamp, Some(DataType::double()), DataType::double()), doubles.clone(), false),
        (call(VarPop, Some(DataType::int()), DataType::int()), numbers.clone(), false),
        (call(StddevSamp, Some(DataType::int()), DataType::int()), numbers.clone(), true),
        (call(Min, Some(DataType::int()), DataType::int()), numbers.clone(), false),
        (call(Max, Some(DataType::int()), DataType::int()), numbers.clone(), true),
        (call(Max, Some(DataType::string()), DataType::string()), strings.clone(), false),
        (call(FirstValue, Some(DataType::string()), DataType::string()), strings.clone(), false),
        (call(LastValue, Some(DataType::double()), DataType::double()), doubles, true),
        (call(ListAgg, Some(DataType::string()), DataType::string()), strings.clone(), false),
        (call(Collect, Some(DataType::string()), multiset), strings.clone(), false),
        (distinct(call(Count, Some(DataType::string()), DataType::bigint())), strings, false),
        (distinct(call(Sum, Some(DataType::int()), DataType::int())), numbers, false),
    ];
    let feed = |acc: &mut dyn super::retract::RetractAccumulator, args: &[ArrayRef], groups: &[u32], retract: &[bool]| {
        acc.bind(args).unwrap();
        for (row, (g, r)) in groups.iter().zip(retract).enumerate() {
            acc.apply(row, *g, *r);
        }
    };
    let results = |acc: &mut dyn super::retract::RetractAccumulator, groups: &[u32]| {
        for g in groups {
            acc.push_result(*g);
        }
        acc.take_results().unwrap().to_data()
    };
    let sites = [CallSite::GroupBy, CallSite::Over];
    for ((c, values, insert_only), site) in cases.into_iter().flat_map(|case| sites.map(|site| (case.clone(), site))) {
        let what = format!("{:?} distinct={} insert_only={insert_only} {site:?}", c.kind, c.distinct);
        let types = vec![values.data_type().clone()];
        let args = if c.args.is_empty() { vec![] } else { vec![values.clone()] };
        let mut original = create_retract_accumulator(&c, &types, insert_only, site).unwrap();
        original.resize(4);
        feed(original.as_mut(), &args, &[0, 1, 0, 2, 2, 0], &[false; 6]);
        if !insert_only {
            feed(original.as_mut(), &args, &[0, 1, 0, 2, 2, 0], &[true, false, false, true, false, false]);
        }
        let mut out = StateWriter::new(1);
        original.save(&[2, 0, 3], &mut out).unwrap();
        let blob = out.finish();
        let mut restored = create_retract_accumulator(&c, &types, insert_only, site).unwrap();
        restored.resize(4);
        let (mut input, _) = StateReader::open(&blob, "test", &[1]).unwrap();
        restored.load(&[1, 3, 0], &mut input).unwrap();
        input.end().unwrap();
        assert_eq!(results(restored.as_mut(), &[1, 3, 0]), results(original.as_mut(), &[2, 0, 3]), "{what}");
        let retract = if insert_only { [false; 6] } else { [false, true, false, true, false, false] };
        feed(original.as_mut(), &args, &[2, 0, 3, 2, 0, 3], &retract);
        feed(restored.as_mut(), &args, &[1, 3, 0, 1, 3, 0], &retract);
        assert_eq!(results(restored.as_mut(), &[1, 3, 0]), results(original.as_mut(), &[2, 0, 3]), "{what} after more rows");
        for cut in 1..blob.len() {
            let mut fresh = create_retract_accumulator(&c, &types, insert_only, site).unwrap();
            fresh.resize(4);
            let (mut input, _) = StateReader::open(&blob[..cut], "test", &[1]).unwrap();
            assert!(fresh.load(&[1, 3, 0], &mut input).is_err() || input.end().is_err(), "{what} cut at {cut}");
        }
    }
}

/// Flink reduces the variance functions to sums in the argument's type, so for integers
/// the sums wrap and the divisions truncate (rows of conformance case 260).
#[test]
fn integer_variance_is_computed_in_the_arguments_type() {
    use super::variance::{integer_variance_result, VarianceKind::*};
    let of = |values: &[i64]| {
        let sum = values.iter().fold(0i64, |a, v| a.wrapping_add(*v));
        let squares = values.iter().fold(0i64, |a, v| a.wrapping_add(v.wrapping_mul(*v)));
        let n = values.len() as i64;
        [VarPop, VarSamp, StddevPop, StddevSamp].map(|k| integer_variance_result(k, n, sum, squares, 32))
    };
    assert_eq!(of(&[60, 5]), [Some(756), Some(1513), Some(27), Some(38)]);
    assert_eq!(of(&[45, 8, 2147483647]), [Some(396), Some(594), Some(19), Some(24)]);
    assert_eq!(of(&[8, 2147483647, 2147483647]), [Some(18), Some(27), Some(4), Some(5)]);
    assert_eq!(of(&[7]), [Some(0), None, Some(0), None]);
    assert_eq!(of(&[]), [None; 4]);
}

/// `AVG(x) OVER w` is `SUM(x) OVER w / COUNT(x) OVER w` in Flink: an INT sum wraps as an
/// INT, where a `GROUP BY` average sums in BIGINT.
#[test]
fn over_average_sums_in_the_arguments_type() {
    use super::retract::{create_retract_accumulator, CallSite};

    let c = call(AggregateKind::Avg, Some(DataType::int()), DataType::int());
    let values = ints(&[Some(i32::MAX), Some(2), None]);
    let average = |site| {
        let mut acc = create_retract_accumulator(&c, &[arrow_schema::DataType::Int32], false, site).unwrap();
        acc.resize(1);
        acc.bind(std::slice::from_ref(&values)).unwrap();
        for row in 0..3 {
            acc.apply(row, 0, false);
        }
        acc.push_result(0);
        acc.take_results().unwrap().as_primitive::<Int32Type>().value(0)
    };
    assert_eq!(average(CallSite::GroupBy), ((i32::MAX as i64 + 2) / 2) as i32);
    assert_eq!(average(CallSite::Over), (i32::MAX.wrapping_add(2)) / 2);
}
