/// One value of a SQL type, used for literals and constant folding. Columns of values are
/// Arrow arrays; this type is for the few places that need a single value.
///
/// Each variant holds the value in the same unit as its Arrow layout (see
/// `TypeKind::to_arrow`): timestamps in microseconds, times in milliseconds of the day,
/// dates in days since 1970-01-01, day-time intervals in milliseconds, year-month
/// intervals in months.
#[derive(Clone, Debug, PartialEq)]
pub enum ScalarValue {
    Null,
    Boolean(bool),
    TinyInt(i8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    Float(f32),
    Double(f64),
    Decimal { value: i128, precision: u8, scale: i8 },
    String(String),
    Binary(Vec<u8>),
    Date(i32),
    Time(i32),
    Timestamp(i64),
    TimestampLtz(i64),
    IntervalDayTime(i64),
    IntervalYearMonth(i32),
    Array(Vec<ScalarValue>),
    Map(Vec<(ScalarValue, ScalarValue)>),
    Row(Vec<ScalarValue>),
}

impl ScalarValue {
    pub fn is_null(&self) -> bool {
        matches!(self, ScalarValue::Null)
    }

    /// The value as an i64 where it is an integer of any width.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ScalarValue::TinyInt(v) => Some(*v as i64),
            ScalarValue::SmallInt(v) => Some(*v as i64),
            ScalarValue::Int(v) => Some(*v as i64),
            ScalarValue::BigInt(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            ScalarValue::String(s) => Some(s),
            _ => None,
        }
    }
}
