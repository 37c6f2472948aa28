use super::*;
use crate::functions::resolve_call;
use crate::{write_value_as_string, EvalContext};
use arrow_schema::{Field, Schema};

fn col(i: usize, t: DataType) -> ScalarExpr {
    ScalarExpr::Column { index: i, data_type: t }
}
fn s(v: &str) -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 40 }))
}
fn i(v: i32) -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
}
fn batch(cols: Vec<ArrayRef>) -> RecordBatch {
    let fields: Vec<Field> =
        cols.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}
fn ts(v: &str) -> i64 {
    temporal::parse_timestamp(v).unwrap()
}
fn text(e: &ScalarExpr, b: &RecordBatch, ctx: &EvalContext) -> Vec<String> {
    let out = e.evaluate(b, ctx).unwrap();
    (0..out.len())
        .map(|r| {
            let mut s = String::new();
            write_value_as_string(out.as_ref(), e.data_type(), r, ctx, &mut s);
            s
        })
        .collect()
}
fn ts_batch(values: &[&str]) -> RecordBatch {
    batch(vec![Arc::new(TimestampMicrosecondArray::from(values.iter().map(|v| ts(v)).collect::<Vec<_>>()))])
}

#[test]
fn to_timestamp_forms() {
    let b = batch(vec![Arc::new(StringArray::from(vec![Some("2021-10-11 12:53:34"), Some("bad"), None]))]);
    let ctx = EvalContext::default();
    let e = resolve_call("TO_TIMESTAMP", vec![col(0, DataType::string())]).unwrap();
    assert_eq!(e.data_type(), &DataType::timestamp(3));
    assert_eq!(text(&e, &b, &ctx), vec!["2021-10-11 12:53:34.000", "NULL", "NULL"]);
    let e = resolve_call("TO_TIMESTAMP", vec![s("11/10/2021 12:53"), s("dd/MM/yyyy HH:mm")]).unwrap();
    assert_eq!(e.as_literal(), Some(&ScalarValue::Timestamp(ts("2021-10-11 12:53:00"))));
    let e = resolve_call("TO_DATE", vec![s("2021-10-11")]).unwrap();
    assert_eq!(e.as_literal(), Some(&ScalarValue::Date(18911)));
}

#[test]
fn to_timestamp_ltz_from_epoch() {
    let b = batch(vec![Arc::new(Int64Array::from(vec![Some(1_633_956_814_845), None]))]);
    let rome = EvalContext { time_zone: parse_time_zone("Europe/Rome").unwrap(), ..Default::default() };
    let e = resolve_call("TO_TIMESTAMP_LTZ", vec![col(0, DataType::bigint()), i(3)]).unwrap();
    assert_eq!(e.data_type(), &DataType::timestamp_ltz(3));
    let out = e.evaluate(&b, &rome).unwrap();
    assert_eq!(out.as_primitive::<TimestampMicrosecondType>().value(0), 1_633_956_814_845_000);
    assert_eq!(text(&e, &b, &rome), vec!["2021-10-11 14:53:34.845", "NULL"]);
    let e = resolve_call("TO_TIMESTAMP_LTZ", vec![col(0, DataType::bigint()), i(0)]).unwrap();
    assert_eq!(text(&e, &batch(vec![Arc::new(Int64Array::from(vec![0]))]), &EvalContext::default()), vec!["1970-01-01 00:00:00.000"]);
    assert!(resolve_call("TO_TIMESTAMP_LTZ", vec![col(0, DataType::bigint()), i(2)]).is_err());
}

#[test]
fn date_format_in_session_zone() {
    let b = ts_batch(&["2021-10-11 12:53:34.845"]);
    let ctx = EvalContext::default();
    let e = resolve_call("DATE_FORMAT", vec![col(0, DataType::timestamp(3)), s("yyyy/MM/dd HH:mm")]).unwrap();
    assert_eq!(text(&e, &b, &ctx), vec!["2021/10/11 12:53"]);
    let shanghai = EvalContext { time_zone: parse_time_zone("Asia/Shanghai").unwrap(), ..Default::default() };
    let e = resolve_call("DATE_FORMAT", vec![col(0, DataType::timestamp_ltz(3)), s("HH:mm:ss.SSS")]).unwrap();
    let b2 = batch(vec![Arc::new(
        TimestampMicrosecondArray::from(vec![ts("2021-10-11 12:53:34.845")]).with_timezone("UTC"),
    )]);
    assert_eq!(text(&e, &b2, &shanghai), vec!["20:53:34.845"]);
    let e = resolve_call("DATE_FORMAT", vec![s("2021-10-11 12:53:34"), s("yyyyMMdd")]).unwrap();
    assert_eq!(e.evaluate_constant(&ctx).unwrap(), ScalarValue::String("20211011".into()));
    assert!(resolve_call("DATE_FORMAT", vec![col(0, DataType::timestamp(3)), s("yyyy-qq")]).is_err());
}

#[test]
fn extract_and_shorthands() {
    let b = ts_batch(&["2021-10-11 12:53:34.845", "2020-02-29 00:00:00"]);
    let ctx = EvalContext::default();
    let t = col(0, DataType::timestamp(3));
    let run = |unit: &str| {
        let e = resolve_call("EXTRACT", vec![s(unit), t.clone()]).unwrap();
        e.evaluate(&b, &ctx).unwrap().as_primitive::<Int64Type>().values().to_vec()
    };
    assert_eq!(run("YEAR"), vec![2021, 2020]);
    assert_eq!(run("QUARTER"), vec![4, 1]);
    assert_eq!(run("DAY"), vec![11, 29]);
    assert_eq!(run("HOUR"), vec![12, 0]);
    assert_eq!(run("SECOND"), vec![34, 0]);
    assert_eq!(run("MILLISECOND"), vec![34845, 0]);
    assert_eq!(run("DOW"), vec![2, 7]);
    assert_eq!(run("DOY"), vec![284, 60]);
    assert_eq!(run("WEEK"), vec![41, 9]);
    let e = resolve_call("dayofmonth", vec![t.clone()]).unwrap();
    assert_eq!(e.evaluate(&b, &ctx).unwrap().as_primitive::<Int64Type>().values().to_vec(), vec![11, 29]);
    let iv = ScalarExpr::literal(ScalarValue::IntervalDayTime(90_061_000), DataType::not_null(TypeKind::IntervalDayTime));
    let e = resolve_call("EXTRACT", vec![s("HOUR"), iv]).unwrap();
    assert_eq!(e.evaluate_constant(&ctx).unwrap(), ScalarValue::BigInt(1));
}

#[test]
fn timestampdiff_and_add() {
    let b = batch(vec![
        Arc::new(TimestampMicrosecondArray::from(vec![ts("2021-01-31 10:00:00"), ts("2021-01-01 00:00:00")])),
        Arc::new(TimestampMicrosecondArray::from(vec![ts("2021-02-28 09:59:59"), ts("2021-01-01 00:10:30")])),
    ]);
    let ctx = EvalContext::default();
    let (a, c) = (col(0, DataType::timestamp(3)), col(1, DataType::timestamp(3)));
    let diff = |unit: &str| {
        let e = resolve_call("TIMESTAMPDIFF", vec![s(unit), a.clone(), c.clone()]).unwrap();
        assert_eq!(e.data_type().kind, TypeKind::Int);
        e.evaluate(&b, &ctx).unwrap().as_primitive::<Int32Type>().values().to_vec()
    };
    assert_eq!(diff("MONTH"), vec![0, 0]);
    assert_eq!(diff("DAY"), vec![27, 0]);
    assert_eq!(diff("MINUTE"), vec![40319, 10]);
    assert_eq!(diff("SECOND"), vec![2419199, 630]);
    let e = resolve_call("TIMESTAMPADD", vec![s("MONTH"), i(1), a.clone()]).unwrap();
    assert_eq!(text(&e, &b, &ctx), vec!["2021-02-28 10:00:00.000", "2021-02-01 00:00:00.000"]);
    let e = resolve_call("TIMESTAMPADD", vec![s("HOUR"), i(-2), a]).unwrap();
    assert_eq!(text(&e, &b, &ctx)[1], "2020-12-31 22:00:00.000");
}

#[test]
fn floor_and_ceil_to_unit() {
    let b = ts_batch(&["2021-10-11 12:53:34.845"]);
    let ctx = EvalContext::default();
    let t = col(0, DataType::timestamp(3));
    let floor = |unit: &str| text(&resolve_call("FLOOR", vec![t.clone(), s(unit)]).unwrap(), &b, &ctx)[0].clone();
    let ceil = |unit: &str| text(&resolve_call("CEIL", vec![t.clone(), s(unit)]).unwrap(), &b, &ctx)[0].clone();
    assert_eq!(floor("MINUTE"), "2021-10-11 12:53:00.000");
    assert_eq!(floor("HOUR"), "2021-10-11 12:00:00.000");
    assert_eq!(floor("MONTH"), "2021-10-01 00:00:00.000");
    assert_eq!(floor("QUARTER"), "2021-10-01 00:00:00.000");
    assert_eq!(floor("WEEK"), "2021-10-10 00:00:00.000");
    assert_eq!(ceil("HOUR"), "2021-10-11 13:00:00.000");
    assert_eq!(ceil("YEAR"), "2022-01-01 00:00:00.000");
}

#[test]
fn clock_and_unix_time() {
    let ctx = EvalContext { now_micros: Some(ts("2021-10-11 12:53:34.845123")), ..Default::default() };
    let e = resolve_call("CURRENT_TIMESTAMP", vec![]).unwrap();
    assert!(!e.is_constant());
    assert_eq!(e.evaluate_constant(&ctx).unwrap(), ScalarValue::TimestampLtz(ts("2021-10-11 12:53:34.845")));
    let e = resolve_call("UNIX_TIMESTAMP", vec![]).unwrap();
    assert_eq!(e.evaluate_constant(&ctx).unwrap(), ScalarValue::BigInt(1_633_956_814));
    let e = resolve_call("UNIX_TIMESTAMP", vec![s("2021-10-11 12:53:34")]).unwrap();
    assert_eq!(e.evaluate_constant(&ctx).unwrap(), ScalarValue::BigInt(1_633_956_814));
    let shanghai = EvalContext { time_zone: parse_time_zone("Asia/Shanghai").unwrap(), ..Default::default() };
    let secs = ScalarExpr::literal(ScalarValue::BigInt(1_633_956_814), DataType::not_null(TypeKind::BigInt));
    let e = resolve_call("FROM_UNIXTIME", vec![secs]).unwrap();
    assert_eq!(e.evaluate_constant(&shanghai).unwrap(), ScalarValue::String("2021-10-11 20:53:34".into()));
    let e = resolve_call("CONVERT_TZ", vec![s("1970-01-01 00:00:00"), s("UTC"), s("America/Los_Angeles")]).unwrap();
    assert_eq!(e.evaluate_constant(&ctx).unwrap(), ScalarValue::String("1969-12-31 16:00:00".into()));
}

/// Row "A00242" of the Flink conformance case 22_alarms_temporal, with the values Flink
/// produced.
#[test]
fn alarms_temporal_row_matches_flink() {
    let b = batch(vec![
        Arc::new(TimestampMicrosecondArray::from(vec![ts("2021-10-11 12:53:11.237")])),
        Arc::new(TimestampMicrosecondArray::from(vec![ts("2021-10-11 12:50:05.369")])),
        Arc::new(TimestampMicrosecondArray::from(vec![ts("2021-10-11 13:07:22.713")])),
    ]);
    let ctx = EvalContext::default();
    let (event, first, last) = (col(0, DataType::timestamp(3)), col(1, DataType::timestamp(3)), col(2, DataType::timestamp(3)));
    let one = |e: ScalarExpr| text(&e, &b, &ctx).remove(0);
    assert_eq!(one(resolve_call("TIMESTAMPDIFF", vec![s("SECOND"), first.clone(), last.clone()]).unwrap()), "1037");
    assert_eq!(one(resolve_call("TIMESTAMPDIFF", vec![s("MINUTE"), first.clone(), last.clone()]).unwrap()), "17");
    assert_eq!(one(resolve_call("DATE_FORMAT", vec![event.clone(), s("yyyy/MM/dd HH:mm:ss")]).unwrap()), "2021/10/11 12:53:11");
    assert_eq!(one(resolve_call("DATE_FORMAT", vec![first.clone(), s("dd-MM-yy hh:mm a, EEE")]).unwrap()), "11-10-21 12:50 PM, Mon");
    assert_eq!(one(resolve_call("EXTRACT", vec![s("HOUR"), event.clone()]).unwrap()), "12");
    assert_eq!(one(resolve_call("EXTRACT", vec![s("DOW"), event.clone()]).unwrap()), "2");
    assert_eq!(one(resolve_call("FLOOR", vec![event.clone(), s("MINUTE")]).unwrap()), "2021-10-11 12:53:00.000");
    assert_eq!(one(resolve_call("CEIL", vec![event.clone(), s("HOUR")]).unwrap()), "2021-10-11 13:00:00.000");
    assert_eq!(one(resolve_call("TIMESTAMPADD", vec![s("MINUTE"), i(90), event.clone()]).unwrap()), "2021-10-11 14:23:11.237");
    let as_str = crate::cast(event.clone(), DataType::string(), false).unwrap();
    assert_eq!(one(as_str.clone()), "2021-10-11 12:53:11.237");
    assert_eq!(one(crate::cast(event.clone(), DataType::new(TypeKind::Date), false).unwrap()), "2021-10-11");
    assert_eq!(one(resolve_call("UNIX_TIMESTAMP", vec![as_str]).unwrap()), "1633956791");
    let ten = ScalarExpr::literal(ScalarValue::IntervalDayTime(600_000), DataType::not_null(TypeKind::IntervalDayTime));
    let later = resolve_call(">", vec![last, resolve_call("+", vec![event, ten]).unwrap()]).unwrap();
    assert_eq!(one(later), "TRUE");
}
