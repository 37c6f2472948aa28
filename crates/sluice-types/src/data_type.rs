use std::fmt;
use std::sync::Arc;

use arrow_schema::{DataType as ArrowType, Field, Fields, IntervalUnit, TimeUnit};

/// `STRING` is `VARCHAR` of this length, as in Flink.
pub const MAX_VARCHAR_LENGTH: u32 = i32::MAX as u32;

/// A Flink logical type with its nullability, e.g. `INT NOT NULL` or `TIMESTAMP_LTZ(3)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DataType {
    pub kind: TypeKind,
    pub nullable: bool,
}

/// The type without nullability. Names and parameters follow Flink's `LogicalTypeRoot`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    Boolean,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal { precision: u8, scale: i8 },
    Char { length: u32 },
    Varchar { length: u32 },
    Binary { length: u32 },
    Varbinary { length: u32 },
    Date,
    Time { precision: u8 },
    Timestamp { precision: u8 },
    TimestampLtz { precision: u8 },
    /// `INTERVAL DAY TO SECOND` family; the value is milliseconds.
    IntervalDayTime,
    /// `INTERVAL YEAR TO MONTH` family; the value is months.
    IntervalYearMonth,
    Array(Box<DataType>),
    Multiset(Box<DataType>),
    Map(Box<DataType>, Box<DataType>),
    Row(Vec<RowField>),
    /// Flink's `BITMAP`: a set of 32-bit integers (a RoaringBitmap), ordered as unsigned
    /// numbers. In Arrow, its portable RoaringBitmap serialisation in a `Binary` column.
    Bitmap,
    /// Flink's `VARIANT`: semi-structured data (`PARSE_JSON`). In Arrow, a `Binary` cell
    /// holding the variant's metadata followed by its value (see `crate::variant`).
    Variant,
    /// Flink's structured type, `STRUCTURED<'class', fields>` (`OBJECT_OF`): a `ROW` that
    /// carries the name of its class. In Arrow, a `Struct` like `ROW`.
    Structured { class: String, fields: Vec<RowField> },
    /// The type of an untyped `NULL` literal.
    Null,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RowField {
    pub name: String,
    pub data_type: DataType,
}

impl DataType {
    pub fn new(kind: TypeKind) -> Self {
        DataType { kind, nullable: true }
    }
    pub fn not_null(kind: TypeKind) -> Self {
        DataType { kind, nullable: false }
    }
    pub fn with_nullable(mut self, nullable: bool) -> Self {
        self.nullable = nullable;
        self
    }

    pub fn boolean() -> Self {
        Self::new(TypeKind::Boolean)
    }
    pub fn int() -> Self {
        Self::new(TypeKind::Int)
    }
    pub fn bigint() -> Self {
        Self::new(TypeKind::BigInt)
    }
    pub fn double() -> Self {
        Self::new(TypeKind::Double)
    }
    pub fn string() -> Self {
        Self::new(TypeKind::Varchar { length: MAX_VARCHAR_LENGTH })
    }
    pub fn timestamp(precision: u8) -> Self {
        Self::new(TypeKind::Timestamp { precision })
    }
    pub fn timestamp_ltz(precision: u8) -> Self {
        Self::new(TypeKind::TimestampLtz { precision })
    }

    pub fn is_numeric(&self) -> bool {
        self.kind.is_numeric()
    }
    pub fn is_string(&self) -> bool {
        matches!(self.kind, TypeKind::Char { .. } | TypeKind::Varchar { .. })
    }
    pub fn is_binary(&self) -> bool {
        matches!(self.kind, TypeKind::Binary { .. } | TypeKind::Varbinary { .. })
    }
    /// `TIMESTAMP` or `TIMESTAMP_LTZ`.
    pub fn is_timestamp(&self) -> bool {
        matches!(self.kind, TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. })
    }
    pub fn is_interval(&self) -> bool {
        matches!(self.kind, TypeKind::IntervalDayTime | TypeKind::IntervalYearMonth)
    }

    /// The Arrow type that holds values of this type. See `TypeKind::to_arrow`.
    pub fn to_arrow(&self) -> ArrowType {
        self.kind.to_arrow()
    }

    /// An Arrow field with this type and nullability.
    pub fn to_field(&self, name: &str) -> Field {
        Field::new(name, self.to_arrow(), self.nullable)
    }

    /// The same type with every level nullable (used where Flink widens, e.g. outer joins).
    pub fn nullable(&self) -> Self {
        self.clone().with_nullable(true)
    }
}

impl TypeKind {
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            TypeKind::TinyInt
                | TypeKind::SmallInt
                | TypeKind::Int
                | TypeKind::BigInt
                | TypeKind::Float
                | TypeKind::Double
                | TypeKind::Decimal { .. }
        )
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, TypeKind::TinyInt | TypeKind::SmallInt | TypeKind::Int | TypeKind::BigInt)
    }

    /// The Arrow layout of each Flink type:
    ///
    /// - `TIMESTAMP(p)` is `Timestamp(Microsecond, None)`: the wall-clock time, as if in UTC;
    /// - `TIMESTAMP_LTZ(p)` is `Timestamp(Microsecond, "UTC")`: an instant;
    /// - `TIME(p)` is `Time32(Millisecond)`, as Flink stores it;
    /// - day-time intervals are `Duration(Millisecond)`, year-month ones `Interval(YearMonth)`;
    /// - `ROW` is `Struct`, `ARRAY` is `List`, `MAP` is `Map`, `MULTISET` is a map to counts.
    ///
    /// Precision above 6 is stored in microseconds (the nanoseconds are truncated).
    pub fn to_arrow(&self) -> ArrowType {
        match self {
            TypeKind::Boolean => ArrowType::Boolean,
            TypeKind::TinyInt => ArrowType::Int8,
            TypeKind::SmallInt => ArrowType::Int16,
            TypeKind::Int => ArrowType::Int32,
            TypeKind::BigInt => ArrowType::Int64,
            TypeKind::Float => ArrowType::Float32,
            TypeKind::Double => ArrowType::Float64,
            TypeKind::Decimal { precision, scale } => ArrowType::Decimal128(*precision, *scale),
            TypeKind::Char { .. } | TypeKind::Varchar { .. } => ArrowType::Utf8,
            TypeKind::Binary { .. } | TypeKind::Varbinary { .. } | TypeKind::Bitmap | TypeKind::Variant => {
                ArrowType::Binary
            }
            TypeKind::Date => ArrowType::Date32,
            TypeKind::Time { .. } => ArrowType::Time32(TimeUnit::Millisecond),
            TypeKind::Timestamp { .. } => ArrowType::Timestamp(TimeUnit::Microsecond, None),
            TypeKind::TimestampLtz { .. } => {
                ArrowType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
            }
            TypeKind::IntervalDayTime => ArrowType::Duration(TimeUnit::Millisecond),
            TypeKind::IntervalYearMonth => ArrowType::Interval(IntervalUnit::YearMonth),
            TypeKind::Array(elem) => ArrowType::List(Arc::new(elem.to_field("element"))),
            TypeKind::Multiset(elem) => map_type(elem, &DataType::not_null(TypeKind::Int)),
            TypeKind::Map(key, value) => map_type(key, value),
            TypeKind::Row(fields) | TypeKind::Structured { fields, .. } => ArrowType::Struct(row_fields_to_arrow(fields)),
            TypeKind::Null => ArrowType::Null,
        }
    }
}

fn map_type(key: &DataType, value: &DataType) -> ArrowType {
    let entries = Fields::from(vec![
        Field::new("key", key.to_arrow(), false),
        value.to_field("value"),
    ]);
    ArrowType::Map(Arc::new(Field::new("entries", ArrowType::Struct(entries), false)), false)
}

/// The Arrow fields of a `ROW` type, in order.
pub fn row_fields_to_arrow(fields: &[RowField]) -> Fields {
    fields.iter().map(|f| f.data_type.to_field(&f.name)).collect()
}

impl DataType {
    /// The type as Flink's `asSerializableString` writes it, which `SHOW CREATE TABLE`
    /// prints: no `STRING`/`BYTES`/`TIMESTAMP_LTZ` shorthands (`VARCHAR(2147483647)`,
    /// `VARBINARY(2147483647)`, `TIMESTAMP(3) WITH LOCAL TIME ZONE`).
    pub fn serializable_string(&self) -> String {
        let base = match &self.kind {
            TypeKind::Varchar { length } => format!("VARCHAR({length})"),
            TypeKind::Varbinary { length } => format!("VARBINARY({length})"),
            TypeKind::TimestampLtz { precision } => format!("TIMESTAMP({precision}) WITH LOCAL TIME ZONE"),
            TypeKind::Array(e) => format!("ARRAY<{}>", e.serializable_string()),
            TypeKind::Multiset(e) => format!("MULTISET<{}>", e.serializable_string()),
            TypeKind::Map(k, v) => format!("MAP<{}, {}>", k.serializable_string(), v.serializable_string()),
            TypeKind::Row(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|f| format!("`{}` {}", f.name.replace('`', "``"), f.data_type.serializable_string()))
                    .collect();
                format!("ROW<{}>", fields.join(", "))
            }
            TypeKind::Structured { class, fields } => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|f| format!("`{}` {}", f.name.replace('`', "``"), f.data_type.serializable_string()))
                    .collect();
                format!("STRUCTURED<'{}', {}>", class.replace('\'', "''"), fields.join(", "))
            }
            other => other.to_string(),
        };
        if self.nullable {
            base
        } else {
            format!("{base} NOT NULL")
        }
    }
}

impl fmt::Display for DataType {
    /// Prints the type as Flink's `DESCRIBE` does: `STRING`, `TIMESTAMP(3)`,
    /// `ARRAY<ROW<`a` INT, `b` STRING>>`, `INT NOT NULL`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if !self.nullable {
            f.write_str(" NOT NULL")?;
        }
        Ok(())
    }
}

impl fmt::Display for TypeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeKind::Boolean => f.write_str("BOOLEAN"),
            TypeKind::TinyInt => f.write_str("TINYINT"),
            TypeKind::SmallInt => f.write_str("SMALLINT"),
            TypeKind::Int => f.write_str("INT"),
            TypeKind::BigInt => f.write_str("BIGINT"),
            TypeKind::Float => f.write_str("FLOAT"),
            TypeKind::Double => f.write_str("DOUBLE"),
            TypeKind::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})"),
            TypeKind::Char { length } => write!(f, "CHAR({length})"),
            TypeKind::Varchar { length } if *length == MAX_VARCHAR_LENGTH => f.write_str("STRING"),
            TypeKind::Varchar { length } => write!(f, "VARCHAR({length})"),
            TypeKind::Binary { length } => write!(f, "BINARY({length})"),
            TypeKind::Varbinary { length } if *length == MAX_VARCHAR_LENGTH => f.write_str("BYTES"),
            TypeKind::Varbinary { length } => write!(f, "VARBINARY({length})"),
            TypeKind::Date => f.write_str("DATE"),
            TypeKind::Time { precision } => write!(f, "TIME({precision})"),
            TypeKind::Timestamp { precision } => write!(f, "TIMESTAMP({precision})"),
            TypeKind::TimestampLtz { precision } => write!(f, "TIMESTAMP_LTZ({precision})"),
            TypeKind::IntervalDayTime => f.write_str("INTERVAL SECOND(3)"),
            TypeKind::IntervalYearMonth => f.write_str("INTERVAL YEAR(2) TO MONTH"),
            TypeKind::Array(e) => write!(f, "ARRAY<{e}>"),
            TypeKind::Multiset(e) => write!(f, "MULTISET<{e}>"),
            TypeKind::Bitmap => f.write_str("BITMAP"),
            TypeKind::Variant => f.write_str("VARIANT"),
            TypeKind::Structured { class, fields } => {
                write!(f, "STRUCTURED<'{}'", class.replace('\'', "''"))?;
                for field in fields {
                    write!(f, ", `{}` {}", field.name.replace('`', "``"), field.data_type)?;
                }
                f.write_str(">")
            }
            TypeKind::Map(k, v) => write!(f, "MAP<{k}, {v}>"),
            TypeKind::Row(fields) => {
                f.write_str("ROW<")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{}` {}", field.name.replace('`', "``"), field.data_type)?;
                }
                f.write_str(">")
            }
            TypeKind::Null => f.write_str("NULL"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_flink() {
        let pizza = DataType::new(TypeKind::Array(Box::new(DataType::new(TypeKind::Row(vec![
            RowField { name: "pizzaName".into(), data_type: DataType::string() },
            RowField {
                name: "additionalToppings".into(),
                data_type: DataType::new(TypeKind::Array(Box::new(DataType::string()))),
            },
        ])))));
        assert_eq!(
            pizza.to_string(),
            "ARRAY<ROW<`pizzaName` STRING, `additionalToppings` ARRAY<STRING>>>"
        );
        assert_eq!(DataType::not_null(TypeKind::Int).to_string(), "INT NOT NULL");
        assert_eq!(
            pizza.serializable_string(),
            "ARRAY<ROW<`pizzaName` VARCHAR(2147483647), `additionalToppings` ARRAY<VARCHAR(2147483647)>>>"
        );
        assert_eq!(
            DataType::not_null(TypeKind::TimestampLtz { precision: 3 }).serializable_string(),
            "TIMESTAMP(3) WITH LOCAL TIME ZONE NOT NULL"
        );
        assert_eq!(DataType::timestamp_ltz(3).to_string(), "TIMESTAMP_LTZ(3)");
    }
}
