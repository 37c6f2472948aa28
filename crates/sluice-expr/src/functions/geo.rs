//! Geospatial functions, as Apache Sedona's Flink functions name and compute them:
//! `ST_Point(x, y)`, `ST_Distance` (planar, in the coordinates' units),
//! `ST_DistanceSphere` (haversine metres on a sphere of radius 6,371,008 m, or the radius
//! given) and `ST_DistanceSpheroid` (geodesic metres on the WGS84 ellipsoid, Karney's
//! algorithm through the `geo` crate, as Sedona uses GeographicLib). The sphere and
//! spheroid distances read a point as (longitude, latitude), as Sedona does.
//!
//! A point is a `ROW<x DOUBLE, y DOUBLE>`: an Arrow struct of two `Float64` columns, so
//! distance kernels read plain columns and nothing is parsed per row.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::*;
use arrow_buffer::NullBuffer;
use arrow_schema::{Field, Fields};
use geo::{Distance, Geodesic, Point};
use sluice_types::{DataType, RowField, TypeKind};

use super::registry::{arity, coerce, make_call, no_match, numericish, string_kind};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] =
    &["ST_POINT", "ST_DISTANCE", "ST_DISTANCESPHERE", "ST_DISTANCESPHEROID", "ST_X", "ST_Y", "ST_ASTEXT"];

/// Sedona's mean Earth radius for `ST_DistanceSphere`, in metres.
pub(crate) const EARTH_RADIUS_M: f64 = 6_371_008.0;

/// The type of a point: `ROW<x DOUBLE, y DOUBLE>`.
pub fn point_type() -> DataType {
    DataType::new(TypeKind::Row(vec![
        RowField { name: "x".into(), data_type: DataType::new(TypeKind::Double) },
        RowField { name: "y".into(), data_type: DataType::new(TypeKind::Double) },
    ]))
}

fn is_point(t: &DataType) -> bool {
    match &t.kind {
        TypeKind::Row(fields) => fields.len() == 2 && fields.iter().all(|f| f.data_type.kind == TypeKind::Double),
        TypeKind::Null => true,
        _ => false,
    }
}

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let nullable = args.iter().any(|a| a.data_type().nullable || a.data_type().kind == TypeKind::Null);
    let double = |nullable: bool| DataType { kind: TypeKind::Double, nullable };
    match name {
        "ST_POINT" => {
            let sig = &["ST_Point(DOUBLE x, DOUBLE y)"];
            arity(name, &args, 2, 2, sig)?;
            if !args.iter().all(|a| numericish(a.data_type())) {
                return Err(no_match(name, &args, sig));
            }
            let args = args.into_iter().map(|a| coerce(a, &TypeKind::Double)).collect();
            Ok(make_call(Func::StPoint, args, point_type().with_nullable(nullable)))
        }
        "ST_X" | "ST_Y" | "ST_ASTEXT" => {
            let sig: &[&str] = match name {
                "ST_X" => &["ST_X(POINT)"],
                "ST_Y" => &["ST_Y(POINT)"],
                _ => &["ST_AsText(POINT)"],
            };
            arity(name, &args, 1, 1, sig)?;
            if !is_point(args[0].data_type()) {
                return Err(no_match(name, &args, sig));
            }
            let (func, ty) = match name {
                "ST_X" => (Func::StX, double(nullable)),
                "ST_Y" => (Func::StY, double(nullable)),
                _ => (Func::StAsText, DataType { kind: string_kind(), nullable }),
            };
            Ok(make_call(func, args, ty))
        }
        _ => {
            let (func, sig, max): (Func, &[&str], usize) = match name {
                "ST_DISTANCE" => (Func::StDistance, &["ST_Distance(POINT, POINT)"], 2),
                "ST_DISTANCESPHERE" => {
                    (Func::StDistanceSphere, &["ST_DistanceSphere(POINT, POINT[, DOUBLE radius])"], 3)
                }
                _ => (Func::StDistanceSpheroid, &["ST_DistanceSpheroid(POINT, POINT)"], 2),
            };
            arity(name, &args, 2, max, sig)?;
            if !is_point(args[0].data_type()) || !is_point(args[1].data_type()) {
                return Err(no_match(name, &args, sig));
            }
            let mut args = args;
            if args.len() == 3 {
                if !numericish(args[2].data_type()) {
                    return Err(no_match(name, &args, sig));
                }
                let radius = args.pop().map(|r| coerce(r, &TypeKind::Double));
                args.extend(radius);
            }
            Ok(make_call(func, args, double(nullable)))
        }
    }
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let out: ArrayRef = match func {
        Func::StPoint => {
            let x = arrays[0].clone();
            let y = arrays[1].clone();
            let nulls = NullBuffer::union(x.logical_nulls().as_ref(), y.logical_nulls().as_ref());
            let fields = Fields::from(vec![Field::new("x", x.data_type().clone(), true), Field::new("y", y.data_type().clone(), true)]);
            Arc::new(StructArray::try_new(fields, vec![x, y], nulls)?)
        }
        Func::StX | Func::StY => {
            let p = Coordinates::of(&arrays[0])?;
            let pick = *func == Func::StX;
            Arc::new((0..p.len()).map(|i| p.get(i).map(|(x, y)| if pick { x } else { y })).collect::<Float64Array>())
        }
        Func::StAsText => {
            let p = Coordinates::of(&arrays[0])?;
            Arc::new((0..p.len()).map(|i| p.get(i).map(|(x, y)| format!("POINT ({} {})", wkt(x), wkt(y)))).collect::<StringArray>())
        }
        _ => {
            let a = Coordinates::of(&arrays[0])?;
            let b = Coordinates::of(&arrays[1])?;
            let radius = arrays.get(2).map(|r| r.as_primitive::<Float64Type>().clone());
            let distance = |i: usize| -> Option<f64> {
                let ((x1, y1), (x2, y2)) = (a.get(i)?, b.get(i)?);
                Some(match func {
                    Func::StDistance => ((x1 - x2).powi(2) + (y1 - y2).powi(2)).sqrt(),
                    Func::StDistanceSphere => {
                        let r = match &radius {
                            Some(r) if r.is_null(i) => return None,
                            Some(r) => r.value(i),
                            None => EARTH_RADIUS_M,
                        };
                        haversine(x1, y1, x2, y2, r)
                    }
                    _ => Geodesic.distance(Point::new(x1, y1), Point::new(x2, y2)),
                })
            };
            Arc::new((0..a.len()).map(distance).collect::<Float64Array>())
        }
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

/// The great-circle distance of two (longitude, latitude) points in degrees, by the
/// haversine formula.
fn haversine(lon1: f64, lat1: f64, lon2: f64, lat2: f64, radius: f64) -> f64 {
    let d_lat = (lat2 - lat1).to_radians();
    let d_lon = (lon2 - lon1).to_radians();
    let a = (d_lat / 2.0).sin().powi(2) + lat1.to_radians().cos() * lat2.to_radians().cos() * (d_lon / 2.0).sin().powi(2);
    radius * 2.0 * a.sqrt().atan2((1.0 - a).sqrt())
}

/// A number as WKT writes it: `1`, `1.5`, never an exponent.
fn wkt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e17 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The x and y columns of a point column (a NULL point, or a NULL coordinate, is no point).
struct Coordinates {
    x: Float64Array,
    y: Float64Array,
    nulls: Option<NullBuffer>,
}

impl Coordinates {
    fn of(array: &ArrayRef) -> Result<Self, EvalError> {
        if array.data_type() == &arrow_schema::DataType::Null {
            let none = || Float64Array::from(vec![None::<f64>; array.len()]);
            return Ok(Coordinates { x: none(), y: none(), nulls: Some(NullBuffer::new_null(array.len())) });
        }
        let s = array.as_struct_opt().ok_or_else(|| EvalError::Internal("a point is not a ROW value".into()))?;
        let column = |i: usize| {
            s.column(i)
                .as_primitive_opt::<Float64Type>()
                .cloned()
                .ok_or_else(|| EvalError::Internal("a point's coordinates are not DOUBLE".into()))
        };
        Ok(Coordinates { x: column(0)?, y: column(1)?, nulls: s.logical_nulls() })
    }

    fn len(&self) -> usize {
        self.x.len()
    }

    fn get(&self, i: usize) -> Option<(f64, f64)> {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(i)) || self.x.is_null(i) || self.y.is_null(i) {
            return None;
        }
        Some((self.x.value(i), self.y.value(i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_of_a_quarter_meridian() {
        let d = haversine(0.0, 0.0, 0.0, 90.0, EARTH_RADIUS_M);
        assert!((d - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6, "{d}");
    }

    #[test]
    fn wkt_numbers() {
        assert_eq!(wkt(1.0), "1");
        assert_eq!(wkt(-2.5), "-2.5");
        assert_eq!(wkt(0.1), "0.1");
    }
}
