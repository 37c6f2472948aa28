//! `resolve_call`: from a function name and typed arguments to a typed call, with Flink's
//! overloads, implicit casts and result types. Each family module types its own
//! functions; this module routes names and holds the shared helpers.

use sluice_types::{DataType, TypeKind};

use super::{
    arithmetic, arrays, bitmap, collections, comparison, conditional, geo, hashing, json, logic, math, printf, regexp, split, string,
    structured, temporal, url, variant, Func,
};
use crate::{EvalContext, FunctionError, ScalarExpr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Arithmetic,
    Comparison,
    Logic,
    Conditional,
    Collections,
    String,
    Math,
    Temporal,
    Hashing,
    Url,
    Regexp,
    Split,
    Printf,
    Json,
    Arrays,
    Geo,
    Bitmap,
    Variant,
    Structured,
    /// `TYPEOF`, answered at planning.
    Types,
}

/// `TYPEOF(x[, force_serializable])`: the type's text, a constant.
const TYPE_NAMES: &[&str] = &["TYPEOF"];

/// The family a name belongs to, by each module's list of names.
fn family_of_name(name: &str) -> Option<Family> {
    let families = [
        (arithmetic::NAMES, Family::Arithmetic),
        (comparison::NAMES, Family::Comparison),
        (logic::NAMES, Family::Logic),
        (conditional::NAMES, Family::Conditional),
        (collections::NAMES, Family::Collections),
        (string::NAMES, Family::String),
        (math::NAMES, Family::Math),
        (temporal::NAMES, Family::Temporal),
        (hashing::NAMES, Family::Hashing),
        (url::NAMES, Family::Url),
        (regexp::NAMES, Family::Regexp),
        (split::NAMES, Family::Split),
        (printf::NAMES, Family::Printf),
        (json::NAMES, Family::Json),
        (arrays::NAMES, Family::Arrays),
        (geo::NAMES, Family::Geo),
        (bitmap::NAMES, Family::Bitmap),
        (variant::NAMES, Family::Variant),
        (structured::NAMES, Family::Structured),
        (TYPE_NAMES, Family::Types),
    ];
    families.iter().find(|(names, _)| names.contains(&name)).map(|(_, f)| *f)
}

/// The family that evaluates a resolved function.
pub(crate) fn family(func: &Func) -> Family {
    use Func::*;
    match func {
        Plus | Minus | Multiply | Divide | Mod | Negate => Family::Arithmetic,
        Eq | NotEq | Lt | LtEq | Gt | GtEq | IsDistinctFrom | IsNotDistinctFrom | In => Family::Comparison,
        And | Or | Not | IsNull | IsNotNull | IsTrue | IsNotTrue | IsFalse | IsNotFalse | Like | NotLike
        | SimilarTo | NotSimilarTo => Family::Logic,
        Coalesce | Nullif | Greatest | Least => Family::Conditional,
        Item | Cardinality | ArrayCtor | MapCtor | RowCtor | Element | ArrayContains => Family::Collections,
        Concat | ConcatWs | Upper | Lower | Trim(_) | CharLength | Position | Locate | Substring | Overlay
        | Replace | RegexpExtract | RegexpReplace | Regexp | SplitIndex | Lpad | Rpad | Initcap | Left | Right
        | Repeat | Reverse | Ascii | Chr | CountChar | ToBase64 | FromBase64 | Uuid | Translate | Elt | StartsWith | EndsWith => Family::String,
        JsonValue(_) | JsonQuery(_) | JsonExists(_) | IsJson(_) | JsonString | JsonObject { .. } | JsonArray { .. }
        | JsonQuote | JsonUnquote | JsonRaw | JsonNode { .. } => {
            Family::Json
        }
        Digest(_) | Sha2 | Hex | Unhex | Bin | Encode | Decode => Family::Hashing,
        ParseUrl | UrlEncode | UrlDecode | InetAton | InetNtoa => Family::Url,
        RegexpCount | RegexpInstr | RegexpSubstr | RegexpExtractAll => Family::Regexp,
        Split | StrToMap => Family::Split,
        Printf => Family::Printf,
        ArrayAppend | ArrayPrepend | ArrayConcat | ArrayDistinct | ArrayExcept | ArrayIntersect | ArrayUnion | ArrayJoin
        | ArrayMax | ArrayMin | ArrayPosition | ArrayRemove | ArrayReverse | ArraySlice | ArraySort | MapKeys | MapValues
        | MapEntries | MapFromArrays | MapUnion => Family::Arrays,
        Abs | Round | Truncate | Floor | Ceil | Power | Sqrt | Ln | Log10 | Log2 | Log | Exp | Sin | Cos | Tan
        | Cot | Asin | Acos | Atan | Atan2 | Sinh | Cosh | Tanh | Radians | Degrees | Pi | E | Sign | Rand
        | RandInteger => Family::Math,
        StPoint | StX | StY | StAsText | StDistance | StDistanceSphere | StDistanceSpheroid => Family::Geo,
        BitmapBuild | BitmapCardinality | BitmapToArray | BitmapToString | BitmapToBytes | BitmapFromBytes | BitmapSet(_) => {
            Family::Bitmap
        }
        ParseJson { .. } | VariantItem => Family::Variant,
        ObjectOf | ObjectUpdate { .. } => Family::Structured,
        _ => Family::Temporal,
    }
}

/// Resolves `name(args)` with Flink's typing rules: picks the overload, inserts implicit
/// casts on arguments, computes the result type and nullability, and folds calls whose
/// arguments are all literals.
///
/// `name` is case-insensitive; operators use their SQL spelling (`+`, `=`, `AND`, `IS NULL`,
/// `LIKE`, `IN` with `args[0]` the value and the rest the list, ...). Special forms take
/// their keyword as a string literal argument: `EXTRACT(unit, x)`, `TIMESTAMPDIFF(unit, a,
/// b)`, `TIMESTAMPADD(unit, n, ts)`, `FLOOR(x, unit)`, `CEIL(x, unit)`, `TRIM(side, chars,
/// x)`. `CASE` takes `[cond1, value1, cond2, value2, .., else?]`.
pub fn resolve_call(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let upper = name.trim().to_ascii_uppercase();
    let name = upper.as_str();
    match family_of_name(name) {
        Some(Family::Arithmetic) => arithmetic::resolve(name, args),
        Some(Family::Comparison) => comparison::resolve(name, args),
        Some(Family::Logic) => logic::resolve(name, args),
        Some(Family::Conditional) => conditional::resolve(name, args),
        Some(Family::Collections) => collections::resolve(name, args),
        Some(Family::String) => string::resolve(name, args),
        Some(Family::Math) => math::resolve(name, args),
        Some(Family::Temporal) => temporal::resolve(name, args),
        Some(Family::Hashing) => hashing::resolve(name, args),
        Some(Family::Url) => url::resolve(name, args),
        Some(Family::Regexp) => regexp::resolve(name, args),
        Some(Family::Split) => split::resolve(name, args),
        Some(Family::Printf) => printf::resolve(name, args),
        Some(Family::Json) => json::resolve(name, args),
        Some(Family::Arrays) => arrays::resolve(name, args),
        Some(Family::Geo) => geo::resolve(name, args),
        Some(Family::Bitmap) => bitmap::resolve(name, args),
        Some(Family::Variant) => variant::resolve(name, args),
        Some(Family::Structured) => structured::resolve(name, args),
        Some(Family::Types) => resolve_typeof(name, args),
        None => Err(FunctionError::NotFound(name.to_string())),
    }
}

/// The Java functions (`CREATE FUNCTION f AS 'class'`) Sluice runs natively, by class
/// name: those of the Nexmark suite's queries, so that its upstream text runs unchanged.
pub const JAVA_FUNCTIONS: &[&str] = &["com.github.nexmark.flink.udf.CountChar"];

/// A call of the Java function `class` (one of `JAVA_FUNCTIONS`) with typed arguments.
pub fn resolve_java_call(class: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    match class {
        "com.github.nexmark.flink.udf.CountChar" => string::resolve_count_char(args),
        other => Err(FunctionError::NotFound(other.to_string())),
    }
}

/// All function names, for "did you mean" suggestions.
pub fn function_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = [
        arithmetic::NAMES,
        comparison::NAMES,
        logic::NAMES,
        conditional::NAMES,
        collections::NAMES,
        string::NAMES,
        math::NAMES,
        temporal::NAMES,
        hashing::NAMES,
        url::NAMES,
        regexp::NAMES,
        split::NAMES,
        printf::NAMES,
        json::NAMES,
        arrays::NAMES,
        geo::NAMES,
        bitmap::NAMES,
        variant::NAMES,
        structured::NAMES,
        TYPE_NAMES,
    ]
    .concat();
    names.retain(|n| n.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && !n.ends_with("_TO") && !n.contains(' '));
    names.sort_unstable();
    names.dedup();
    names
}

/// `TYPEOF(x[, force_serializable])`: Flink's summary of the argument's type, folded into a
/// `STRING NOT NULL` literal.
fn resolve_typeof(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    arity(name, &args, 1, 2, &["TYPEOF(ANY[, BOOLEAN])"])?;
    if args.len() == 2 && !matches!(args[1].as_literal(), Some(sluice_types::ScalarValue::Boolean(_))) {
        return Err(FunctionError::BadArgument("the second argument of TYPEOF must be a BOOLEAN literal".into()));
    }
    let text = args[0].data_type().to_string();
    Ok(ScalarExpr::Literal { value: sluice_types::ScalarValue::String(text), data_type: DataType::not_null(string_kind()) })
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the family modules.

/// A call node; folded into a literal when every argument is a literal and the function
/// does not depend on the session (an evaluation error keeps the call, to fail at run time).
pub(crate) fn make_call(func: Func, args: Vec<ScalarExpr>, data_type: DataType) -> ScalarExpr {
    let foldable = func.is_foldable()
        && args.iter().all(|a| matches!(a, ScalarExpr::Literal { .. }))
        && !args.iter().any(|a| matches!(a.data_type().kind, TypeKind::TimestampLtz { .. }));
    let call = ScalarExpr::Call { func, args, data_type };
    if foldable {
        if let Ok(value) = call.evaluate_constant(&EvalContext::default()) {
            return ScalarExpr::Literal { value, data_type: call.data_type().clone() };
        }
    }
    call
}

/// Whether any argument may be NULL.
pub(crate) fn any_nullable(args: &[ScalarExpr]) -> bool {
    args.iter().any(|a| a.data_type().nullable || a.data_type().kind == TypeKind::Null)
}

/// A type with the nullability of the arguments.
pub(crate) fn typed(kind: TypeKind, args: &[ScalarExpr]) -> DataType {
    DataType { kind, nullable: any_nullable(args) }
}

pub(crate) fn no_match(name: &str, args: &[ScalarExpr], expected: &[&str]) -> FunctionError {
    let got = args.iter().map(|a| a.data_type().kind.to_string()).collect::<Vec<_>>().join(", ");
    FunctionError::NoMatchingSignature {
        name: name.to_string(),
        got: format!("({got})"),
        expected: expected.iter().map(|s| s.to_string()).collect(),
    }
}

/// Checks the argument count.
pub(crate) fn arity(name: &str, args: &[ScalarExpr], min: usize, max: usize, expected: &[&str]) -> Result<(), FunctionError> {
    if args.len() < min || args.len() > max {
        return Err(no_match(name, args, expected));
    }
    Ok(())
}

/// The text of a string literal argument.
pub(crate) fn literal_string(expr: &ScalarExpr) -> Option<&str> {
    expr.as_literal().and_then(|v| v.as_str())
}

/// Casts an argument to `kind` if needed (nullability kept).
pub(crate) fn coerce(expr: ScalarExpr, kind: &TypeKind) -> ScalarExpr {
    crate::cast::implicit(expr, kind)
}

/// Whether a type is a string or untyped NULL.
pub(crate) fn stringish(t: &DataType) -> bool {
    t.is_string() || t.kind == TypeKind::Null
}

/// Whether a type is numeric or untyped NULL.
pub(crate) fn numericish(t: &DataType) -> bool {
    t.is_numeric() || t.kind == TypeKind::Null
}

pub(crate) fn string_kind() -> TypeKind {
    DataType::string().kind
}
