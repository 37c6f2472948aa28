//! GROUPING SETS, ROLLUP and CUBE, planned as Flink plans them: an `Expand` emits each
//! input row once per grouping set, with the group keys outside the set replaced by NULL
//! and the set's id in an extra `$e` column; an ordinary aggregation then groups by every
//! key and `$e`. `GROUPING(...)` and `GROUPING_ID(...)` are read back from `$e`.
//!
//! A grouping set is a bit mask over the group keys in GROUP BY order (bit `j` set: key
//! `j` is in the set). The id in `$e` is Flink's: one bit per key, the first key the most
//! significant, a bit set when the key is *not* in the set. `GROUPING(a, b)` (and its
//! synonym `GROUPING_ID`) uses the same layout over its own arguments.

use std::cmp::Ordering;

use sluice_expr::ScalarExpr;
use sluice_sql::Span;
use sluice_types::{DataType, ScalarValue, TypeKind};

use sluice_runtime::spec::AggregateCall;

use super::super::window_agg::to_window_aggregate;
use super::super::window_props::window_props;
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{LogicalPlan, PlanField, PlanSchema};

/// The most keys a query with grouping sets can group by: ids are 64-bit.
const MAX_KEYS: usize = 63;

/// The most expressions in one CUBE (2^n grouping sets).
const MAX_CUBE: usize = 12;

/// The grouping sets of an aggregation, once it has more than one.
#[derive(Clone, Debug)]
pub struct GroupingSets {
    /// The sets as key masks, in Calcite's order (enclosing sets first).
    pub sets: Vec<u64>,
    /// How many group keys there are.
    pub key_count: usize,
    /// The `$e` column in the aggregation's output (right after the keys).
    pub id_column: usize,
}

/// The type of `GROUPING(...)` and `GROUPING_ID(...)`.
pub fn grouping_type() -> DataType {
    DataType::not_null(TypeKind::BigInt)
}

impl GroupingSets {
    /// The `$e` value of a grouping set.
    pub fn expand_id(&self, set: u64) -> i64 {
        let keys: Vec<usize> = (0..self.key_count).collect();
        grouping_value(&keys, set)
    }

    /// `GROUPING(keys...)` in the rows of each grouping set: a CASE over `$e`, or a
    /// literal when every set gives the same value.
    pub fn grouping_expr(&self, keys: &[usize], id_type: &DataType) -> ScalarExpr {
        let values: Vec<i64> = self.sets.iter().map(|s| grouping_value(keys, *s)).collect();
        let literal = |v: i64| ScalarExpr::Literal { value: ScalarValue::BigInt(v), data_type: grouping_type() };
        let last = values[values.len() - 1];
        if values.iter().all(|v| *v == last) {
            return literal(last);
        }
        let id = ScalarExpr::Column { index: self.id_column, data_type: id_type.clone() };
        let branches = self.sets[..self.sets.len() - 1]
            .iter()
            .zip(&values)
            .map(|(set, v)| {
                let id_value = ScalarExpr::Literal { value: ScalarValue::BigInt(self.expand_id(*set)), data_type: grouping_type() };
                let equal = sluice_expr::resolve_call("=", vec![id.clone(), id_value]);
                equal.map(|c| (c, literal(*v)))
            })
            .collect::<Result<Vec<_>, _>>();
        match branches {
            Ok(branches) => ScalarExpr::Case { branches, else_result: Some(Box::new(literal(last))), data_type: grouping_type() },
            // "=" on two BIGINTs always resolves; keep the plan valid regardless.
            Err(_) => literal(last),
        }
    }
}

/// Flink's bit vector: for each of `keys` in order, 1 when the key is not in `set`; the
/// first key is the most significant bit.
pub fn grouping_value(keys: &[usize], set: u64) -> i64 {
    keys.iter().fold(0i64, |acc, k| (acc << 1) | i64::from(set & (1u64 << k) == 0))
}

/// The grouping sets of one GROUP BY item, as lists of key indexes.
pub fn rollup(keys: &[usize]) -> Vec<Vec<usize>> {
    (0..=keys.len()).rev().map(|n| keys[..n].to_vec()).collect()
}

/// Every subset of `keys`; fails past `MAX_CUBE` expressions.
pub fn cube(keys: &[usize], span: Span) -> PlanResult<Vec<Vec<usize>>> {
    if keys.len() > MAX_CUBE {
        return Err(user(format!("a CUBE of {} expressions makes too many grouping sets", keys.len()), span)
            .with_hint(format!("Use at most {MAX_CUBE} expressions in a CUBE, or list the GROUPING SETS you need.")));
    }
    let n = keys.len();
    Ok((0..1u32 << n)
        .map(|bits| (0..n).filter(|i| bits & (1 << (n - 1 - i)) == 0).map(|i| keys[i]).collect())
        .collect())
}

/// The grouping sets of a whole GROUP BY: the cross product of its items' sets, in
/// Calcite's order. Duplicate sets are refused (Flink answers them with a union).
pub fn combine(items: &[Vec<Vec<usize>>], key_count: usize, span: Span) -> PlanResult<Vec<u64>> {
    if key_count > MAX_KEYS {
        return Err(user(format!("a GROUP BY with grouping sets can have at most {MAX_KEYS} keys"), span));
    }
    let mut sets: Vec<u64> = vec![0];
    for item in items {
        let mut next = Vec::with_capacity(sets.len() * item.len());
        for s in &sets {
            for keys in item {
                next.push(keys.iter().fold(*s, |m, k| m | (1u64 << k)));
            }
        }
        sets = next;
    }
    let mut ordered: Vec<u64> = Vec::with_capacity(sets.len());
    for s in sets {
        if ordered.contains(&s) {
            return Err(not_supported("a GROUP BY that repeats a grouping set", span));
        }
        let at = ordered.iter().position(|o| calcite_order(s, *o) == Ordering::Less).unwrap_or(ordered.len());
        ordered.insert(at, s);
    }
    Ok(ordered)
}

/// Calcite's order of grouping sets: a set before the sets it encloses, otherwise by
/// their lowest differing key.
fn calcite_order(a: u64, b: u64) -> Ordering {
    if a == b {
        Ordering::Equal
    } else if a & b == b {
        Ordering::Less
    } else if a & b == a {
        Ordering::Greater
    } else {
        let mut i = 0;
        loop {
            let next = |m: u64| (i..64).find(|k| m & (1u64 << k) != 0);
            match (next(a), next(b)) {
                (Some(x), Some(y)) if x == y => i = x + 1,
                (Some(x), Some(y)) => return x.cmp(&y),
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (None, None) => return Ordering::Equal,
            }
        }
    }
}

/// The `Expand` under the aggregation: the `pre` columns (keys first), a key replaced by
/// a typed NULL in the sets without it, then `$e`.
pub fn expand(pre: LogicalPlan, info: &GroupingSets) -> LogicalPlan {
    let input = pre.schema().clone();
    let all = info.sets.iter().fold(u64::MAX, |m, s| m & s);
    let mut fields: Vec<PlanField> = input
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if i < info.key_count && all & (1u64 << i) == 0 {
                PlanField::new(f.name.clone(), f.data_type.nullable())
            } else {
                f.clone()
            }
        })
        .collect();
    fields.push(PlanField::new("$e", grouping_type()));
    let projections = info
        .sets
        .iter()
        .map(|set| {
            let mut list: Vec<ScalarExpr> = fields[..input.len()]
                .iter()
                .enumerate()
                .map(|(index, f)| {
                    if index < info.key_count && set & (1u64 << index) == 0 {
                        ScalarExpr::Literal { value: ScalarValue::Null, data_type: f.data_type.clone() }
                    } else {
                        ScalarExpr::Column { index, data_type: input.fields[index].data_type.clone() }
                    }
                })
                .collect();
            list.push(ScalarExpr::Literal { value: ScalarValue::BigInt(info.expand_id(*set)), data_type: grouping_type() });
            list
        })
        .collect();
    LogicalPlan::Expand { input: Box::new(pre), projections, schema: PlanSchema::new(fields) }
}

/// The aggregation of a GROUP BY with grouping sets over `pre` (the keys first): the
/// `Expand`, then an `Aggregate` keyed by the keys and `$e`. Output: the keys (nullable
/// where a set leaves them out), `$e`, the calls. A window aggregation with grouping
/// sets is refused, pointing at `sets_span`.
pub fn aggregate(
    pre: LogicalPlan,
    key_count: usize,
    sets: Vec<u64>,
    aggregates: Vec<AggregateCall>,
    agg_fields: Vec<PlanField>,
    span: Span,
    sets_span: Span,
) -> PlanResult<(LogicalPlan, GroupingSets)> {
    let mut probe_fields: Vec<PlanField> = pre.schema().fields[..key_count].to_vec();
    probe_fields.extend(agg_fields.iter().cloned());
    let probe = LogicalPlan::Aggregate {
        input: Box::new(pre.clone()),
        keys: (0..key_count).collect(),
        aggregates: aggregates.clone(),
        window: None,
        schema: PlanSchema::new(probe_fields),
        span,
        state_ttl: None,
    };
    // A window aggregation comes back as a projection over a windowed `Aggregate`. With
    // grouping sets it aggregates the rows of the window TVF (or of an earlier window
    // aggregation) after the `Expand`, the window coming with the rows, as in Flink.
    let windowed = !matches!(to_window_aggregate(probe)?, LogicalPlan::Aggregate { window: None, .. });
    let pre = if windowed { with_window_time(pre) } else { pre };
    let info = GroupingSets { sets, key_count, id_column: key_count };
    let plan = expand(pre, &info);
    let expanded = plan.schema().clone();
    let id = expanded.len() - 1;
    let mut fields: Vec<PlanField> =
        expanded.fields[..key_count].iter().map(|f| PlanField::new(f.name.clone(), f.data_type.clone())).collect();
    fields.push(expanded.fields[id].clone());
    fields.extend(agg_fields);
    let plan = LogicalPlan::Aggregate {
        input: Box::new(plan),
        keys: (0..key_count).chain([id]).collect(),
        aggregates,
        window: None,
        schema: PlanSchema::new(fields),
        span,
        state_ttl: None,
    };
    if !windowed {
        return Ok((plan, info));
    }
    let plan = to_window_aggregate(plan)?;
    if matches!(plan, LogicalPlan::Aggregate { window: None, .. }) {
        return Err(not_supported("a window aggregation with a grouping set without window_start and window_end", sets_span)
            .with_hint("Put window_start and window_end in every grouping set: GROUP BY window_start, window_end, GROUPING SETS (...)."));
    }
    Ok((plan, info))
}

/// `pre` with the `window_time` of its input's window as a last column, when it has none,
/// so that the rows carry it through the `Expand`.
fn with_window_time(pre: LogicalPlan) -> LogicalPlan {
    if window_props(&pre).is_some_and(|p| !p.times.is_empty()) {
        return pre;
    }
    let LogicalPlan::Project { input, mut exprs, schema } = pre else { return pre };
    let Some(t) = window_props(&input).and_then(|p| p.times.first().copied()) else {
        return LogicalPlan::Project { input, exprs, schema };
    };
    let mut names: Vec<String> = schema.names().iter().map(|n| n.to_string()).collect();
    names.push(if names.iter().any(|n| n == "window_time") { format!("$f{}", names.len()) } else { "window_time".into() });
    exprs.push(ScalarExpr::Column { index: t, data_type: input.schema().fields[t].data_type.clone() });
    input.project(exprs, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks(sets: &[&[usize]]) -> Vec<u64> {
        sets.iter().map(|s| s.iter().fold(0, |m, k| m | (1u64 << k))).collect()
    }

    #[test]
    fn ids_put_the_first_key_in_the_most_significant_bit() {
        let info = GroupingSets { sets: vec![], key_count: 3, id_column: 3 };
        assert_eq!(info.expand_id(0b111), 0);
        assert_eq!(info.expand_id(0b011), 0b001);
        assert_eq!(info.expand_id(0b110), 0b100);
        assert_eq!(info.expand_id(0), 0b111);
        assert_eq!(grouping_value(&[1, 0], 0b001), 0b10);
    }

    #[test]
    fn rollup_and_cube_in_calcite_order() {
        let span = Span::default();
        assert_eq!(combine(&[rollup(&[0, 1])], 2, span).unwrap(), masks(&[&[0, 1], &[0], &[]]));
        assert_eq!(combine(&[cube(&[0, 1], span).unwrap()], 2, span).unwrap(), masks(&[&[0, 1], &[0], &[1], &[]]));
        let sets = vec![vec![1], vec![0], vec![]];
        assert_eq!(combine(&[sets], 2, span).unwrap(), masks(&[&[0], &[1], &[]]));
    }

    #[test]
    fn items_multiply() {
        let span = Span::default();
        let out = combine(&[vec![vec![0]], rollup(&[1, 2])], 3, span).unwrap();
        assert_eq!(out, masks(&[&[0, 1, 2], &[0, 1], &[0]]));
    }

    #[test]
    fn repeated_sets_are_refused() {
        let span = Span::default();
        assert!(combine(&[vec![vec![0], vec![0]]], 1, span).is_err());
    }
}
