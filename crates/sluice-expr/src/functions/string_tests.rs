use super::*;
use crate::functions::resolve_call;
use crate::EvalContext;
use arrow_schema::{Field, Schema};

fn s(v: &str) -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 100 }))
}
fn i(v: i32) -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
}
fn null() -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Null))
}
/// Resolves and evaluates a call of literals.
fn call(name: &str, args: Vec<ScalarExpr>) -> ScalarValue {
    resolve_call(name, args).unwrap().evaluate_constant(&EvalContext::default()).unwrap()
}
fn st(v: &str) -> ScalarValue {
    ScalarValue::String(v.into())
}

#[test]
fn concat_family() {
    assert_eq!(call("||", vec![s("a"), s("b")]), st("ab"));
    assert_eq!(call("CONCAT", vec![s("a"), null(), s("c")]), ScalarValue::Null);
    assert_eq!(call("CONCAT_WS", vec![s("-"), s("a"), null(), s("c")]), st("a-c"));
    assert_eq!(call("CONCAT_WS", vec![null(), s("a")]), ScalarValue::Null);
    assert!(resolve_call("CONCAT", vec![s("a"), i(1)]).is_err());
}

#[test]
fn case_trim_length() {
    assert_eq!(call("UPPER", vec![s("héllo")]), st("HÉLLO"));
    assert_eq!(call("lower", vec![s("ABC")]), st("abc"));
    assert_eq!(call("TRIM", vec![s("BOTH"), s(" "), s("  x  ")]), st("x"));
    assert_eq!(call("TRIM", vec![s("LEADING"), s("xy"), s("xyxabcxy")]), st("abcxy"));
    assert_eq!(call("TRIM", vec![s("TRAILING"), s(" "), s("  x  ")]), st("  x"));
    assert_eq!(call("LTRIM", vec![s("  x ")]), st("x "));
    assert_eq!(call("CHAR_LENGTH", vec![s("🍍 pine")]), ScalarValue::Int(6));
    assert_eq!(call("INITCAP", vec![s("hello wORLD-foo")]), st("Hello World-Foo"));
}

#[test]
fn substring_and_positions() {
    assert_eq!(call("SUBSTRING", vec![s("hello"), i(2), i(3)]), st("ell"));
    assert_eq!(call("SUBSTRING", vec![s("hello"), i(-3)]), st("llo"));
    assert_eq!(call("SUBSTRING", vec![s("hello"), i(0), i(2)]), st("he"));
    assert_eq!(call("SUBSTR", vec![s("héllo"), i(2)]), st("éllo"));
    assert_eq!(call("SUBSTRING", vec![s("hello"), i(9)]), st(""));
    assert_eq!(call("POSITION", vec![s("l"), s("hello")]), ScalarValue::Int(3));
    assert_eq!(call("POSITION", vec![s("z"), s("hello")]), ScalarValue::Int(0));
    assert_eq!(call("LOCATE", vec![s("l"), s("hello"), i(4)]), ScalarValue::Int(4));
    assert_eq!(call("OVERLAY", vec![s("abcdefg"), s("xyz"), i(3)]), st("abxyzfg"));
    assert_eq!(call("OVERLAY", vec![s("abcdefg"), s("X"), i(2), i(3)]), st("aXefg"));
    assert_eq!(call("LEFT", vec![s("hello"), i(2)]), st("he"));
    assert_eq!(call("RIGHT", vec![s("hello"), i(2)]), st("lo"));
    assert_eq!(call("RIGHT", vec![s("hello"), i(-1)]), st(""));
}

#[test]
fn regexes_and_split() {
    assert_eq!(call("REGEXP_EXTRACT", vec![s("foothebar"), s("foo(.*?)(bar)"), i(2)]), st("bar"));
    assert_eq!(call("REGEXP_EXTRACT", vec![s("foothebar"), s("foo(.*?)(bar)"), i(1)]), st("the"));
    assert_eq!(call("REGEXP_EXTRACT", vec![s("abc"), s("x(y)"), i(1)]), ScalarValue::Null);
    // Flink quotes the replacement: `$1` stays as written (oracle case 151_fn_printf_regexp).
    assert_eq!(call("REGEXP_REPLACE", vec![s("foobar"), s("o(o)"), s("[$1]")]), st("f[$1]bar"));
    assert_eq!(call("REGEXP_REPLACE", vec![s("foobar"), s("("), s("x")]), ScalarValue::Null);
    assert_eq!(call("REGEXP", vec![s("abc123"), s("[0-9]+")]), ScalarValue::Boolean(true));
    // Flink catches a pattern that does not compile: REGEXP is false (oracle case 151_fn_printf_regexp).
    assert_eq!(call("REGEXP", vec![s("a"), s("(")]), ScalarValue::Boolean(false));
    assert_eq!(call("SPLIT_INDEX", vec![s("a,b,c"), s(","), i(1)]), st("b"));
    assert_eq!(call("SPLIT_INDEX", vec![s("a,b,c"), s(","), i(3)]), ScalarValue::Null);
    assert_eq!(call("REPLACE", vec![s("a.b.c"), s("."), s("--")]), st("a--b--c"));
}

#[test]
fn padding_and_misc() {
    assert_eq!(call("LPAD", vec![s("hi"), i(4), s("??")]), st("??hi"));
    assert_eq!(call("LPAD", vec![s("hi"), i(1), s("??")]), st("h"));
    assert_eq!(call("RPAD", vec![s("hi"), i(5), s("ab")]), st("hiaba"));
    assert_eq!(call("LPAD", vec![s("hi"), i(-1), s("?")]), ScalarValue::Null);
    assert_eq!(call("REPEAT", vec![s("ab"), i(3)]), st("ababab"));
    assert_eq!(call("REVERSE", vec![s("abc")]), st("cba"));
    assert_eq!(call("ASCII", vec![s("A")]), ScalarValue::Int(65));
    assert_eq!(call("CHR", vec![i(97)]), st("a"));
    assert_eq!(call("TO_BASE64", vec![s("hello")]), st("aGVsbG8="));
    assert_eq!(call("FROM_BASE64", vec![s("aGVsbG8=")]), st("hello"));
    let u = call("UUID", vec![]);
    assert_eq!(u.as_str().map(|v| v.len()), Some(36));
}

#[test]
fn json_value_paths() {
    let doc = r#"{"a": {"b": [10, {"c": "x"}]}, "n": null, "f": 1.5, "t": true}"#;
    assert_eq!(call("JSON_VALUE", vec![s(doc), s("$.a.b[0]")]), st("10"));
    assert_eq!(call("JSON_VALUE", vec![s(doc), s("$.a.b[1].c")]), st("x"));
    assert_eq!(call("JSON_VALUE", vec![s(doc), s("$.n")]), ScalarValue::Null);
    assert_eq!(call("JSON_VALUE", vec![s(doc), s("$.a")]), ScalarValue::Null);
    assert_eq!(call("JSON_VALUE", vec![s("not json"), s("$.a")]), ScalarValue::Null);
    assert_eq!(call("JSON_VALUE", vec![s(doc), s("$.a.b[0]"), s("INT")]), ScalarValue::Int(10));
    assert_eq!(call("JSON_VALUE", vec![s(doc), s("$.t"), s("BOOLEAN")]), ScalarValue::Boolean(true));
    assert!(resolve_call("JSON_VALUE", vec![s(doc), s("a.b")]).is_err());
}

#[test]
fn columns_with_nulls() {
    let schema = Arc::new(Schema::new(vec![Field::new("a", arrow_schema::DataType::Utf8, true)]));
    let b = RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec![Some("x"), None, Some("yz")]))]).unwrap();
    let col = ScalarExpr::Column { index: 0, data_type: DataType::string() };
    let e = resolve_call("||", vec![col.clone(), s("!")]).unwrap();
    let out = e.evaluate(&b, &EvalContext::default()).unwrap();
    assert_eq!(out.as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("x!"), None, Some("yz!")]);
    let e = resolve_call("CHAR_LENGTH", vec![col]).unwrap();
    let out = e.evaluate(&b, &EvalContext::default()).unwrap();
    assert_eq!(out.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(), vec![Some(1), None, Some(2)]);
}
