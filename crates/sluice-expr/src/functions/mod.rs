//! Flink's built-in scalar functions and operators: how a call is typed (`resolve_call`,
//! in `registry`) and how it is computed (one module per family).

pub(crate) mod arithmetic;
pub(crate) mod arrays;
pub(crate) mod bitmap;
pub(crate) mod collections;
pub(crate) mod comparison;
pub(crate) mod conditional;
pub(crate) mod date_format;
pub(crate) mod geo;
pub(crate) mod hashing;
pub(crate) mod json;
pub(crate) mod json_doc;
pub(crate) mod logic;
pub(crate) mod math;
pub(crate) mod printf;
pub(crate) mod regexp;
pub(crate) mod registry;
pub(crate) mod split;
pub(crate) mod string;
pub(crate) mod structured;
pub(crate) mod temporal;
pub(crate) mod url;
pub(crate) mod variant;

use arrow_array::RecordBatch;
use sluice_types::DataType;

pub use hashing::DigestAlgorithm;
pub use json::{
    resolve_json, JsonBehavior, JsonFunction, JsonQuerySpec, JsonReturning, JsonType, JsonValueSpec, JsonWrapper,
};
pub use registry::{function_names, resolve_call, resolve_java_call, JAVA_FUNCTIONS};
pub use temporal::TimeUnit;

use crate::value::ColumnarValue;
use crate::{EvalContext, EvalError, ScalarExpr};

/// Which side(s) `TRIM` strips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimSide {
    Both,
    Leading,
    Trailing,
}

/// A resolved built-in function or operator. Units of the special forms (`EXTRACT`,
/// `TIMESTAMPDIFF`, `FLOOR(x TO unit)`, `TRIM(LEADING ..)`) are part of the function.
#[derive(Clone, Debug, PartialEq)]
pub enum Func {
    // Arithmetic (numbers, and datetime/interval arithmetic).
    Plus,
    Minus,
    Multiply,
    Divide,
    Mod,
    Negate,
    // Comparison.
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    IsDistinctFrom,
    IsNotDistinctFrom,
    // Logic and predicates.
    And,
    Or,
    Not,
    IsNull,
    IsNotNull,
    IsTrue,
    IsNotTrue,
    IsFalse,
    IsNotFalse,
    Like,
    NotLike,
    SimilarTo,
    NotSimilarTo,
    /// `args[0] IN (args[1..])`.
    In,
    // Conditionals.
    Coalesce,
    Nullif,
    Greatest,
    Least,
    // Collections.
    Item,
    Cardinality,
    ArrayCtor,
    MapCtor,
    RowCtor,
    Element,
    ArrayContains,
    ArrayAppend,
    ArrayPrepend,
    ArrayConcat,
    ArrayDistinct,
    ArrayExcept,
    ArrayIntersect,
    ArrayUnion,
    ArrayJoin,
    ArrayMax,
    ArrayMin,
    ArrayPosition,
    ArrayRemove,
    ArrayReverse,
    ArraySlice,
    ArraySort,
    MapKeys,
    MapValues,
    MapEntries,
    MapFromArrays,
    MapUnion,
    // Strings.
    Concat,
    ConcatWs,
    Upper,
    Lower,
    Trim(TrimSide),
    CharLength,
    Position,
    Locate,
    Substring,
    Overlay,
    Replace,
    RegexpExtract,
    RegexpReplace,
    Regexp,
    SplitIndex,
    Lpad,
    Rpad,
    Initcap,
    Left,
    Right,
    Repeat,
    Reverse,
    Ascii,
    Chr,
    /// The Nexmark suite's Java function `com.github.nexmark.flink.udf.CountChar`: how
    /// many bytes of the first argument's UTF-8 equal the first byte of the second's.
    CountChar,
    ToBase64,
    FromBase64,
    Uuid,
    // JSON.
    JsonValue(JsonValueSpec),
    JsonQuery(JsonQuerySpec),
    /// `JSON_EXISTS` with its `ON ERROR` behaviour.
    JsonExists(JsonBehavior),
    IsJson(JsonType),
    JsonString,
    /// `raw[i]`: argument `i` is JSON text from a nested JSON constructor, inserted as is.
    JsonObject { absent_on_null: bool, raw: Vec<bool> },
    JsonArray { absent_on_null: bool, raw: Vec<bool> },
    Translate,
    StartsWith,
    EndsWith,
    JsonQuote,
    JsonUnquote,
    /// `JSON(text)`: text a JSON constructor inserts as JSON.
    JsonRaw,
    /// The JSON text of a value, as `JSON_ARRAYAGG`/`JSON_OBJECTAGG` collect it.
    JsonNode { raw: bool },
    InetAton,
    InetNtoa,
    /// `ELT(index, ..)`; the index is cast to `BIGINT`.
    Elt,
    Printf,
    // Regular expressions beyond the string family's.
    RegexpCount,
    RegexpInstr,
    RegexpSubstr,
    RegexpExtractAll,
    // Splitting into collections.
    Split,
    StrToMap,
    // Digests and encodings.
    Digest(DigestAlgorithm),
    Sha2,
    Hex,
    Unhex,
    Bin,
    Encode,
    Decode,
    // URLs.
    ParseUrl,
    UrlEncode,
    UrlDecode,
    // Math.
    Abs,
    Round,
    Truncate,
    Floor,
    Ceil,
    Power,
    Sqrt,
    Ln,
    Log10,
    Log2,
    Log,
    Exp,
    Sin,
    Cos,
    Tan,
    Cot,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Radians,
    Degrees,
    Pi,
    E,
    Sign,
    Rand,
    RandInteger,
    // Temporal.
    ToTimestamp,
    ToTimestampLtz,
    ToDate,
    DateFormat,
    Extract(TimeUnit),
    TimestampDiff(TimeUnit),
    TimestampAdd(TimeUnit),
    FloorTo(TimeUnit),
    CeilTo(TimeUnit),
    CurrentTimestamp,
    LocalTimestamp,
    CurrentDate,
    CurrentTime,
    Proctime,
    /// `CURRENT_WATERMARK(rowtime)`: the input's watermark, from the `EvalContext`.
    CurrentWatermark,
    UnixTimestamp,
    FromUnixtime,
    ConvertTz,
    // Geospatial (Sedona's names).
    StPoint,
    StX,
    StY,
    StAsText,
    StDistance,
    StDistanceSphere,
    StDistanceSpheroid,
    // Flink's BITMAP functions.
    BitmapBuild,
    BitmapCardinality,
    BitmapToArray,
    BitmapToString,
    BitmapToBytes,
    BitmapFromBytes,
    BitmapSet(bitmap::BitmapOp),
    /// `PARSE_JSON` (`try_parse`: `TRY_PARSE_JSON`, NULL instead of failing).
    ParseJson { try_parse: bool },
    /// `v['key']` or `v[i]` on a `VARIANT`.
    VariantItem,
    /// `OBJECT_OF(class, k1, v1, ..)`: the arguments are the values, in field order.
    ObjectOf,
    /// `OBJECT_UPDATE(obj, k1, v1, ..)`: the arguments are the object and the new values
    /// of the fields at `fields`.
    ObjectUpdate { fields: Vec<usize> },
    /// A user-defined function (a Python UDF), evaluated by its own code.
    Udf(crate::UdfRef),
}

impl Func {
    /// Whether the same arguments always give the same result.
    pub fn is_deterministic(&self) -> bool {
        !matches!(
            self,
            Func::Rand
                | Func::RandInteger
                | Func::Uuid
                | Func::CurrentTimestamp
                | Func::LocalTimestamp
                | Func::CurrentDate
                | Func::CurrentTime
                | Func::Proctime
                | Func::CurrentWatermark
        ) && !(matches!(self, Func::UnixTimestamp))
            && !matches!(self, Func::Udf(u) if !u.0.is_deterministic())
    }

    /// Whether a call can be folded at planning time without a session (no time zone).
    pub(crate) fn is_foldable(&self) -> bool {
        self.is_deterministic()
            && !matches!(
                self,
                Func::ToTimestampLtz
                    | Func::DateFormat
                    | Func::Extract(_)
                    | Func::TimestampDiff(_)
                    | Func::TimestampAdd(_)
                    | Func::FloorTo(_)
                    | Func::CeilTo(_)
                    | Func::FromUnixtime
                    | Func::ConvertTz
                    // Kept as calls, so that a nested constructor is still known as JSON.
                    | Func::JsonObject { .. }
                    | Func::JsonArray { .. }
                    | Func::JsonRaw
                    // Built as a column of the exact Arrow type (fields NOT NULL where the
                    // type says so), which a folded literal does not keep.
                    | Func::ObjectOf
                    | Func::ObjectUpdate { .. }
                    // User code runs only when a job runs.
                    | Func::Udf(_)
            )
    }

    /// Whether the function can fail on some row (so it runs only on rows that reach it).
    pub(crate) fn may_fail(&self) -> bool {
        matches!(
            self,
            Func::Divide
                | Func::Mod
                | Func::FromBase64
                | Func::Sha2
                | Func::Encode
                | Func::Decode
                | Func::RegexpExtractAll
                | Func::StrToMap
                | Func::MapFromArrays
                | Func::MapUnion
                | Func::JsonValue(_)
                | Func::JsonQuery(_)
                | Func::JsonExists(_)
                | Func::JsonObject { .. }
                | Func::JsonUnquote
                | Func::JsonRaw
                | Func::ParseJson { try_parse: false }
                | Func::VariantItem
                | Func::Udf(_)
        )
    }
}

/// What a function's evaluation gets besides its argument values.
pub(crate) struct CallCtx<'a> {
    pub arg_types: Vec<&'a DataType>,
    pub ret: &'a DataType,
    /// The number of rows of the input batch.
    pub rows: usize,
    pub ctx: &'a EvalContext,
}

/// Evaluates a call: lazy forms first, then every argument and the function itself.
pub(crate) fn eval_call(
    func: &Func,
    args: &[ScalarExpr],
    ret: &DataType,
    batch: &RecordBatch,
    ctx: &EvalContext,
) -> Result<ColumnarValue, EvalError> {
    match func {
        Func::And | Func::Or => return logic::eval_and_or(func, args, batch, ctx),
        Func::Coalesce => return conditional::eval_coalesce(args, ret, batch, ctx),
        _ => {}
    }
    let values = args.iter().map(|a| a.eval(batch, ctx)).collect::<Result<Vec<_>, _>>()?;
    let cc = CallCtx { arg_types: args.iter().map(|a| a.data_type()).collect(), ret, rows: batch.num_rows(), ctx };
    match func {
        Func::Udf(udf) => {
            let rows = batch.num_rows();
            let columns = values.into_iter().map(|v| v.into_array(rows)).collect::<Result<Vec<_>, _>>()?;
            let out = udf.0.invoke(&columns, rows)?;
            if out.len() != rows {
                return Err(EvalError::Internal(format!("function \"{}\" returned {} values for {rows} rows", udf.name(), out.len())));
            }
            Ok(ColumnarValue::Array(out))
        }
        Func::Plus | Func::Minus | Func::Multiply | Func::Divide | Func::Mod | Func::Negate => {
            arithmetic::eval(func, values, &cc)
        }
        Func::Eq | Func::NotEq | Func::Lt | Func::LtEq | Func::Gt | Func::GtEq | Func::IsDistinctFrom
        | Func::IsNotDistinctFrom | Func::In => comparison::eval(func, values, &cc),
        Func::Not | Func::IsNull | Func::IsNotNull | Func::IsTrue | Func::IsNotTrue | Func::IsFalse
        | Func::IsNotFalse | Func::Like | Func::NotLike | Func::SimilarTo | Func::NotSimilarTo => {
            logic::eval(func, values, &cc)
        }
        Func::Nullif | Func::Greatest | Func::Least => conditional::eval(func, values, &cc),
        Func::Item | Func::Cardinality | Func::ArrayCtor | Func::MapCtor | Func::RowCtor | Func::Element
        | Func::ArrayContains => collections::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::String => string::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Hashing => hashing::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Url => url::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Regexp => regexp::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Split => split::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Printf => printf::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Json => json::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Arrays => arrays::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Math => math::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Geo => geo::eval(func, values, &cc),
        f if registry::family(f) == registry::Family::Bitmap => bitmap::eval(func, values, &cc),
        Func::ParseJson { .. } | Func::VariantItem => variant::eval(func, values, &cc),
        Func::ObjectOf | Func::ObjectUpdate { .. } => structured::eval(func, values, &cc),
        _ => temporal::eval(func, values, &cc),
    }
}
