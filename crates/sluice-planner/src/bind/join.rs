//! Joins of two tables: `a [LEFT|RIGHT|FULL] JOIN b ON ...` and `a, b WHERE ...`.
//!
//! The join condition is split into its conjuncts, sorted out as Flink does:
//! - equalities between an expression of the left input and one of the right are the
//!   join keys (computed below the join when they are not plain columns, and cast to a
//!   common type so that both sides compare the same values);
//! - `>=`, `>`, `<=`, `<` between the two inputs' rowtime attributes (each plus or minus
//!   an interval literal) bound the time interval of an interval join; a strict bound
//!   moves by one millisecond, as in Flink;
//! - in an inner join, a conjunct of one input only filters that input (Flink pushes it
//!   down; an inner join of a comma-separated FROM takes its WHERE the same way);
//! - the rest is the residual condition, checked on every matching pair.
//!
//! A join whose equalities include a `window_start` and a `window_end` of each input,
//! both inputs having the same windowing (window TVFs or window aggregations, renamed or
//! not), is a window join, as Flink's `WindowJoinUtil` decides; it keeps the time
//! attributes. A join with both time bounds is an interval join and keeps both rowtime
//! attributes; otherwise it is a regular join, whose time attributes become plain
//! timestamps.

use sluice_expr::{Func, ScalarExpr};
use sluice_runtime::spec::JoinType;
use sluice_sql::ast::{self, Expr, JoinConstraint, JoinKind, TableRef};
use sluice_sql::Span;
use sluice_types::{ScalarValue, TypeKind};

use super::expr::{coerce, ExprContext};
use super::scope::Scope;
use super::window_props::{window_props, WindowProps};
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::lower::internal as internal_error;
use crate::logical::{JoinInterval, LogicalPlan, PlanField, PlanSchema, TimeAttribute};
use crate::rewrite::substitute;

/// Microseconds in a millisecond: interval literals are milliseconds, times microseconds.
const MILLI: i64 = 1000;

/// Whether `join` joins two tables (rather than unnesting or calling a table function),
/// so that `bind_join` handles it.
pub(super) fn joins_tables(join: &ast::Join) -> bool {
    let on_true = match &join.constraint {
        JoinConstraint::On(Expr { kind: ast::ExprKind::Literal(ast::Literal::Boolean(true)), .. }) => true,
        JoinConstraint::None => true,
        _ => false,
    };
    let unnest = matches!(join.right, TableRef::Unnest { .. })
        && on_true
        && matches!(join.kind, JoinKind::Cross | JoinKind::Inner | JoinKind::Left);
    let lateral = matches!(&join.right, TableRef::Function { lateral: true, .. });
    let temporal = matches!(&join.right, TableRef::Named { system_time: Some(_), .. });
    !unnest && !lateral && !temporal
}

impl Binder<'_> {
    /// Binds a join of two tables. `filter` is the WHERE clause of an inner join, which
    /// joins as part of the condition.
    pub(super) fn bind_join(&mut self, join: &ast::Join, filter: Option<&Expr>) -> PlanResult<(LogicalPlan, Scope)> {
        let join_type = match join.kind {
            JoinKind::Inner | JoinKind::Cross => JoinType::Inner,
            JoinKind::Left => JoinType::Left,
            JoinKind::Right => JoinType::Right,
            JoinKind::Full => JoinType::Full,
        };
        let (left, left_scope) = self.bind_from(&join.left)?;
        let (right, right_scope) = self.bind_from(&join.right)?;
        let mut scope = left_scope;
        scope.columns.extend(right_scope.columns);
        let schema = joined_schema(left.schema(), right.schema(), join_type);

        let mut conditions: Vec<&Expr> = Vec::new();
        match &join.constraint {
            JoinConstraint::On(e) => conditions.push(e),
            JoinConstraint::Using(columns) => {
                let span = columns.first().map(|c| c.span).unwrap_or(join.span);
                return Err(not_supported("JOIN ... USING", span).with_hint("Write the condition with ON a.k = b.k."));
            }
            JoinConstraint::None => {}
        }
        conditions.extend(filter);
        let mut conjuncts = Vec::new();
        for condition in conditions {
            let cx = ExprContext { scope: &scope, schema: &schema, grouped: None };
            let bound = self.bind_expr(condition, &cx)?;
            if !matches!(bound.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
                return Err(user(format!("the join condition must be BOOLEAN, not {}", bound.data_type()), condition.span));
            }
            split_and(bound, &mut conjuncts);
        }
        let plan = plan_join(left, right, join_type, conjuncts, join.span)?;
        Ok((plan, scope))
    }
}

/// The columns of a join before time attributes are decided: left then right, nullable
/// on a padded side.
fn joined_schema(left: &PlanSchema, right: &PlanSchema, join_type: JoinType) -> PlanSchema {
    let pad_left = matches!(join_type, JoinType::Right | JoinType::Full);
    let pad_right = matches!(join_type, JoinType::Left | JoinType::Full);
    let side = |f: &PlanField, pad: bool| {
        let mut f = f.clone();
        f.data_type.nullable |= pad;
        f
    };
    let fields = left.fields.iter().map(|f| side(f, pad_left)).chain(right.fields.iter().map(|f| side(f, pad_right))).collect();
    PlanSchema::new(fields)
}

/// Appends the conjuncts of `expr` (split at AND) to `out`.
pub fn split_and(expr: ScalarExpr, out: &mut Vec<ScalarExpr>) {
    match expr {
        ScalarExpr::Call { func: Func::And, args, .. } => {
            for a in args {
                split_and(a, out);
            }
        }
        ScalarExpr::Literal { value: ScalarValue::Boolean(true), .. } => {}
        other => out.push(other),
    }
}

/// Joins conjuncts with AND; `None` when there are none.
pub(super) fn and_all(mut conjuncts: Vec<ScalarExpr>) -> PlanResult<Option<ScalarExpr>> {
    let Some(mut acc) = conjuncts.pop() else { return Ok(None) };
    while let Some(next) = conjuncts.pop() {
        acc = sluice_expr::resolve_call("AND", vec![next, acc]).map_err(|e| internal_error(&e.to_string()))?;
    }
    Ok(Some(acc))
}

/// Which inputs an expression reads: left only, right only, both or neither.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Sides {
    None,
    Left,
    Right,
    Both,
}

pub(super) fn sides(expr: &ScalarExpr, left_width: usize) -> Sides {
    let columns = expr.referenced_columns();
    let l = columns.iter().any(|c| *c < left_width);
    let r = columns.iter().any(|c| *c >= left_width);
    match (l, r) {
        (false, false) => Sides::None,
        (true, false) => Sides::Left,
        (false, true) => Sides::Right,
        (true, true) => Sides::Both,
    }
}

/// `expr` over the join's columns, rewritten over the right input's (column `i` becomes
/// `i - left_width`), or with the right columns moved by `shift` (for a wider left).
pub(super) fn shift_columns(expr: &ScalarExpr, schema: &PlanSchema, left_width: usize, shift: isize) -> ScalarExpr {
    let columns: Vec<ScalarExpr> = schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let index = if i < left_width { i } else { (i as isize + shift).max(0) as usize };
            ScalarExpr::Column { index, data_type: f.data_type.clone() }
        })
        .collect();
    substitute(expr, &columns)
}

/// Builds the join of `left` and `right` on `conjuncts` (over left then right columns).
pub(super) fn plan_join(
    mut left: LogicalPlan,
    mut right: LogicalPlan,
    join_type: JoinType,
    conjuncts: Vec<ScalarExpr>,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let nl = left.schema().len();
    let schema = joined_schema(left.schema(), right.schema(), join_type);

    // An inner join filters each input by the conjuncts that read only that input.
    let mut rest = Vec::new();
    let (mut left_filters, mut right_filters) = (Vec::new(), Vec::new());
    for c in conjuncts {
        match (join_type, sides(&c, nl)) {
            (JoinType::Inner, Sides::Left) => left_filters.push(c),
            (JoinType::Inner, Sides::Right) => right_filters.push(shift_columns(&c, &schema, nl, -(nl as isize))),
            _ => rest.push(c),
        }
    }
    if let Some(p) = and_all(left_filters)? {
        left = LogicalPlan::Filter { input: Box::new(left), predicate: p };
    }
    if let Some(p) = and_all(right_filters)? {
        right = LogicalPlan::Filter { input: Box::new(right), predicate: p };
    }

    // The time interval.
    let mut bounds = TimeBounds::default();
    let mut rest2 = Vec::new();
    for c in rest {
        if !bounds.add(&c, &schema, nl) {
            rest2.push(c);
        }
    }
    let bound_conjuncts = bounds.conjuncts.clone();
    let mut interval = match bounds.interval(nl) {
        Some(Ok(interval)) => Some(interval),
        Some(Err(kind)) => {
            return Err(not_supported(&format!("interval joins on {kind}"), span));
        }
        None => {
            rest2.extend(bounds.conjuncts);
            None
        }
    };

    // The equi-join keys.
    let mut key_pairs: Vec<(ScalarExpr, ScalarExpr)> = Vec::new();
    let mut residual = Vec::new();
    for c in rest2 {
        if let ScalarExpr::Call { func: Func::Eq, args, .. } = &c {
            let (a, b) = (&args[0], &args[1]);
            let pair = match (sides(a, nl), sides(b, nl)) {
                (Sides::Left, Sides::Right) => Some((a, b)),
                (Sides::Right, Sides::Left) => Some((b, a)),
                _ => None,
            };
            if let Some((l, r)) = pair {
                let r = shift_columns(r, &schema, nl, -(nl as isize));
                key_pairs.push((l.clone(), r));
                continue;
            }
        }
        residual.push(c);
    }

    // Equal starts and ends of two inputs' windows make a window join.
    let window = window_join_bounds(&left, &right, &mut key_pairs);
    if window.is_some() && interval.take().is_some() {
        residual.extend(bound_conjuncts);
    }

    // Keys of the same Arrow type on both sides, as columns of the inputs.
    let mut left_extra = Vec::new();
    let mut right_extra = Vec::new();
    let mut left_keys = Vec::new();
    let mut right_keys = Vec::new();
    for (l, r) in key_pairs {
        let (l, r) = if l.data_type().to_arrow() == r.data_type().to_arrow() {
            (l, r)
        } else {
            let common = sluice_expr::common_type(&[l.data_type().clone(), r.data_type().clone()]).ok_or_else(|| {
                user(format!("cannot compare join keys of types {} and {}", l.data_type(), r.data_type()), span)
            })?;
            let (ln, rn) = (l.data_type().nullable, r.data_type().nullable);
            (coerce(l, &common.clone().with_nullable(ln), span)?, coerce(r, &common.with_nullable(rn), span)?)
        };
        left_keys.push(key_column(l, left.schema(), &mut left_extra));
        right_keys.push(key_column(r, right.schema(), &mut right_extra));
    }
    let left_width = nl + left_extra.len();
    let residual = and_all(residual)?.map(|r| shift_columns(&r, &schema, nl, left_extra.len() as isize));
    let left = with_columns(left, left_extra);
    let right = with_columns(right, right_extra);

    let mut fields = joined_schema(left.schema(), right.schema(), join_type).fields;
    if let Some((left_window, right_window, props)) = window {
        let null_safe = vec![false; left_keys.len()];
        let joined = LogicalPlan::WindowJoin {
            left: Box::new(left),
            right: Box::new(right),
            join_type,
            semi: None,
            left_keys,
            right_keys,
            null_safe,
            left_window,
            right_window,
            kind: props.kind,
            ltz: props.ltz,
            residual,
            schema: PlanSchema::new(fields),
            span,
        };
        return Ok(drop_key_columns(joined, nl, left_width, schema.len()));
    }
    if interval.is_none() {
        // A regular join materializes time attributes.
        for f in fields.iter_mut() {
            f.time_attribute = None;
        }
    }
    let joined = LogicalPlan::Join {
        left: Box::new(left),
        right: Box::new(right),
        join_type,
        left_keys,
        right_keys,
        interval,
        residual,
        schema: PlanSchema::new(fields),
        span,
        state_ttl: [None, None],
    };
    Ok(drop_key_columns(joined, nl, left_width, schema.len()))
}

/// `joined` without the key columns computed after each input's (`nl` left columns of
/// `left_width`, `width` columns in all).
fn drop_key_columns(joined: LogicalPlan, nl: usize, left_width: usize, width: usize) -> LogicalPlan {
    if joined.schema().len() == width {
        return joined;
    }
    let keep: Vec<usize> = (0..nl).chain(left_width..left_width + (width - nl)).collect();
    let exprs = keep
        .iter()
        .map(|i| ScalarExpr::Column { index: *i, data_type: joined.schema().fields[*i].data_type.clone() })
        .collect();
    let names = keep.iter().map(|i| joined.schema().fields[*i].name.clone()).collect();
    joined.project(exprs, names)
}

/// The window bounds of a window join, as Flink's `WindowJoinUtil` finds them: both
/// inputs have window properties with the same windowing and time attribute, and the
/// equalities include a start of each and an end of each. Those equalities leave
/// `key_pairs`; the rest stay join keys. Returns the (start, end) columns of each input.
#[allow(clippy::type_complexity)]
pub(super) fn window_join_bounds(
    left: &LogicalPlan,
    right: &LogicalPlan,
    key_pairs: &mut Vec<(ScalarExpr, ScalarExpr)>,
) -> Option<((usize, usize), (usize, usize), WindowProps)> {
    let (lp, rp) = (window_props(left)?, window_props(right)?);
    if !lp.same_windowing(&rp) {
        return None;
    }
    let column = |e: &ScalarExpr| if let ScalarExpr::Column { index, .. } = e { Some(*index) } else { None };
    let pair_in = |(l, r): &(ScalarExpr, ScalarExpr), ls: &[usize], rs: &[usize]| {
        matches!((column(l), column(r)), (Some(a), Some(b)) if ls.contains(&a) && rs.contains(&b))
    };
    let start = key_pairs.iter().position(|p| pair_in(p, &lp.starts, &rp.starts))?;
    let end = key_pairs.iter().position(|p| pair_in(p, &lp.ends, &rp.ends))?;
    let bounds = |i: usize| (column(&key_pairs[i].0).unwrap_or(0), column(&key_pairs[i].1).unwrap_or(0));
    let ((ls, rs), (le, re)) = (bounds(start), bounds(end));
    // Every start or end equality goes, as in Flink.
    key_pairs.retain(|p| !pair_in(p, &lp.starts, &rp.starts) && !pair_in(p, &lp.ends, &rp.ends));
    Some(((ls, le), (rs, re), lp))
}

/// The input column holding `key`: itself when it is a plain column, else a new column
/// computed after the input's (listed in `extra`).
pub(super) fn key_column(key: ScalarExpr, input: &PlanSchema, extra: &mut Vec<ScalarExpr>) -> usize {
    if let ScalarExpr::Column { index, .. } = key {
        return index;
    }
    if let Some(pos) = extra.iter().position(|e| *e == key) {
        return input.len() + pos;
    }
    extra.push(key);
    input.len() + extra.len() - 1
}

/// `input` with `extra` computed columns appended.
pub(super) fn with_columns(input: LogicalPlan, extra: Vec<ScalarExpr>) -> LogicalPlan {
    if extra.is_empty() {
        return input;
    }
    let base = input.schema().len();
    let mut exprs: Vec<ScalarExpr> = input
        .schema()
        .fields
        .iter()
        .enumerate()
        .map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() })
        .collect();
    let mut names = input.schema().names().iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (i, e) in extra.into_iter().enumerate() {
        exprs.push(e);
        names.push(format!("$key{}", base + i));
    }
    input.project(exprs, names)
}

/// The time bounds found so far: `right time - left time` in `[lower, upper]`.
#[derive(Default)]
struct TimeBounds {
    /// The left and right time columns (in the join's numbering) and their kind.
    columns: Option<(usize, usize, TimeAttribute)>,
    lower: Option<i64>,
    upper: Option<i64>,
    conjuncts: Vec<ScalarExpr>,
}

impl TimeBounds {
    /// Takes `c` as a time bound if it is one; false leaves it to the caller.
    fn add(&mut self, c: &ScalarExpr, schema: &PlanSchema, nl: usize) -> bool {
        let ScalarExpr::Call { func, args, .. } = c else { return false };
        // `a op b` with `op` one of >=, >, <=, <, as (greater, strict).
        let (greater, strict) = match func {
            Func::GtEq => (true, false),
            Func::Gt => (true, true),
            Func::LtEq => (false, false),
            Func::Lt => (false, true),
            _ => return false,
        };
        let (Some((a, a_off)), Some((b, b_off))) = (time_term(&args[0], schema), time_term(&args[1], schema)) else {
            return false;
        };
        // Normalize to `right - left op k` with op `>=`/`>` (greater) or `<=`/`<`.
        let (l, r, greater, k) = if a < nl && b >= nl {
            // l + a_off op r + b_off  <=>  r - l op' a_off - b_off, op' mirrored.
            (a, b, !greater, a_off - b_off)
        } else if a >= nl && b < nl {
            // r + a_off op l + b_off  <=>  r - l op b_off - a_off
            (b, a, greater, b_off - a_off)
        } else {
            return false;
        };
        let (Some(lt), Some(rt)) = (schema.fields[l].time_attribute, schema.fields[r].time_attribute) else {
            return false;
        };
        if lt != rt || schema.fields[l].data_type.kind != schema.fields[r].data_type.kind {
            return false;
        }
        match self.columns {
            None => self.columns = Some((l, r, lt)),
            Some((pl, pr, _)) if pl == l && pr == r => {}
            Some(_) => return false,
        }
        if greater {
            let k = if strict { k + MILLI } else { k };
            self.lower = Some(self.lower.map_or(k, |x| x.max(k)));
        } else {
            let k = if strict { k - MILLI } else { k };
            self.upper = Some(self.upper.map_or(k, |x| x.min(k)));
        }
        self.conjuncts.push(c.clone());
        true
    }

    /// The interval once both bounds are known; the kind of time otherwise not runnable.
    fn interval(&self, nl: usize) -> Option<Result<JoinInterval, &'static str>> {
        let (l, r, kind) = self.columns?;
        let (lower, upper) = (self.lower?, self.upper?);
        if kind == TimeAttribute::Proctime {
            return Some(Err("processing time"));
        }
        Some(Ok(JoinInterval { left_time: l, right_time: r - nl, lower, upper }))
    }
}

/// A time attribute column plus or minus an interval literal: the column and the offset
/// in microseconds.
fn time_term(expr: &ScalarExpr, schema: &PlanSchema) -> Option<(usize, i64)> {
    match expr {
        ScalarExpr::Column { index, .. } => schema.fields[*index].time_attribute.map(|_| (*index, 0)),
        ScalarExpr::Call { func: Func::Plus, args, .. } => match (time_term(&args[0], schema), interval(&args[1])) {
            (Some((c, off)), Some(d)) => Some((c, off.checked_add(d)?)),
            _ => {
                let (c, off) = time_term(&args[1], schema)?;
                Some((c, off.checked_add(interval(&args[0])?)?))
            }
        },
        ScalarExpr::Call { func: Func::Minus, args, .. } => {
            let (c, off) = time_term(&args[0], schema)?;
            Some((c, off.checked_sub(interval(&args[1])?)?))
        }
        _ => None,
    }
}

/// A day-time interval literal in microseconds.
fn interval(expr: &ScalarExpr) -> Option<i64> {
    match expr {
        ScalarExpr::Literal { value: ScalarValue::IntervalDayTime(ms), .. } => ms.checked_mul(MILLI),
        _ => None,
    }
}
