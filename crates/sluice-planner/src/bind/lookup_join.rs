//! Lookup joins: `o [LEFT] JOIN t FOR SYSTEM_TIME AS OF o.proc_time [AS a] ON o.k = a.k`.
//!
//! As in Flink, the time must be a processing-time attribute of the left input, the join
//! is inner or left, and the condition must hold at least one equality between a column
//! of the looked-up table and an expression of the left input (or a constant): those
//! are the keys pushed into the lookup. The other conjuncts are checked on each joined
//! row. The result keeps the left input's time attributes; the table's columns follow.

use sluice_expr::{Func, ScalarExpr};
use sluice_sql::ast::{self, JoinConstraint, JoinKind, TableRef};
use sluice_types::TypeKind;

use super::expr::{coerce, ExprContext};
use super::join::{and_all, split_and};
use super::scope::Scope;
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{LogicalPlan, PlanField, PlanSchema, TimeAttribute};

impl Binder<'_> {
    /// Binds a join whose right side is `table FOR SYSTEM_TIME AS OF expr`.
    pub(super) fn bind_lookup_join(&mut self, join: &ast::Join) -> PlanResult<(LogicalPlan, Scope)> {
        let TableRef::Named { name, hints, system_time: Some(time), alias, span } = &join.right else {
            return Err(user("expected a table with FOR SYSTEM_TIME AS OF", join.right.span()));
        };
        let left_join = match join.kind {
            JoinKind::Inner => false,
            JoinKind::Left => true,
            _ => {
                return Err(user("a join FOR SYSTEM_TIME AS OF must be an inner or a LEFT join", join.span)
                    .with_hint("Flink supports only INNER and LEFT lookup and temporal joins."))
            }
        };
        let (input, left_scope) = self.bind_from(&join.left)?;
        let cx = ExprContext { scope: &left_scope, schema: input.schema(), grouped: None };
        let time_expr = self.bind_expr(time, &cx)?;
        let attribute = match &time_expr {
            ScalarExpr::Column { index, .. } => input.schema().fields[*index].time_attribute,
            // `FOR SYSTEM_TIME AS OF PROCTIME()`, as the seed pipelines write it.
            ScalarExpr::Call { func: Func::Proctime, .. } => Some(TimeAttribute::Proctime),
            _ => None,
        };
        match attribute {
            Some(TimeAttribute::Proctime) => {}
            Some(TimeAttribute::Rowtime) => {
                let ScalarExpr::Column { index, .. } = time_expr else {
                    return Err(user("FOR SYSTEM_TIME AS OF must name the left table's rowtime column", time.span));
                };
                return self.bind_temporal_join(join, input, left_scope, index, left_join);
            }
            None => {
                return Err(user("FOR SYSTEM_TIME AS OF must name a time attribute of the left table", time.span)
                    .with_hint("Use the processing-time column of the left input, declared as `proc_time AS PROCTIME()`, for a lookup join."))
            }
        }

        // The looked-up table, as a plain scan of its physical columns.
        let plain = TableRef::Named { name: name.clone(), hints: hints.clone(), system_time: None, alias: alias.clone(), span: *span };
        let (right, right_scope) = self.bind_from(&plain)?;
        let table = match &right {
            LogicalPlan::Scan { table, .. } => table.clone(),
            _ => return Err(user(format!("\"{}\" is not a table that can be looked up", name.base().value), *span)),
        };
        if table.columns.iter().any(|c| !matches!(c.kind, crate::catalog::TableColumnKind::Physical)) {
            return Err(not_supported("a lookup table with computed or metadata columns", *span));
        }

        let nl = input.schema().len();
        let (schema, scope, conjuncts, on_span) = self.bind_versioned_condition(
            join,
            input.schema(),
            left_scope,
            &right,
            right_scope,
            left_join,
            "a lookup join needs an ON condition with an equality on the looked-up table's columns",
        )?;

        let mut keys = Vec::new();
        let mut key_columns: Vec<usize> = Vec::new();
        let mut residual = Vec::new();
        for c in conjuncts {
            if let Some((value, column)) = lookup_key(&c, nl) {
                if !key_columns.contains(&column) {
                    let target = schema.fields[nl + column].data_type.clone().with_nullable(value.data_type().nullable);
                    let value = if value.data_type().to_arrow() == target.to_arrow() { value } else { coerce(value, &target, on_span)? };
                    keys.push(value);
                    key_columns.push(column);
                    continue;
                }
            }
            residual.push(c);
        }
        if keys.is_empty() {
            return Err(user(
                format!("the lookup join on \"{}\" has no equality condition on its columns", table.name),
                on_span,
            )
            .with_hint("As in Flink, a lookup join needs at least one `left_expr = table.column` in its ON clause; those columns are the lookup key."));
        }
        let residual_expr = and_all(residual)?;
        let plan = LogicalPlan::LookupJoin {
            input: Box::new(input),
            table,
            left: left_join,
            keys,
            key_columns,
            residual: residual_expr,
            schema,
            span: join.span,
        };
        Ok((plan, scope))
    }
}

impl Binder<'_> {
    /// `o JOIN r FOR SYSTEM_TIME AS OF o.rowtime ON o.k = r.k`: an event-time temporal
    /// join against a versioned table (a primary key and a watermark), as in Flink.
    fn bind_temporal_join(
        &mut self,
        join: &ast::Join,
        left: LogicalPlan,
        left_scope: Scope,
        left_time: usize,
        left_join: bool,
    ) -> PlanResult<(LogicalPlan, Scope)> {
        let TableRef::Named { name, hints, alias, span, .. } = &join.right else {
            return Err(user("expected a table with FOR SYSTEM_TIME AS OF", join.right.span()));
        };
        let plain = TableRef::Named { name: name.clone(), hints: hints.clone(), system_time: None, alias: alias.clone(), span: *span };
        let (right, right_scope) = self.bind_from(&plain)?;
        let LogicalPlan::Scan { table, .. } = &right else {
            return Err(not_supported("a temporal join against a view", *span)
                .with_hint("Join against a table with a PRIMARY KEY and a WATERMARK (a versioned table)."));
        };
        let table = table.clone();
        if table.primary_key.is_empty() {
            return Err(user(format!("the temporal join needs a primary key on the versioned table \"{}\"", table.name), *span)
                .with_hint("Declare PRIMARY KEY (...) NOT ENFORCED on it, as Flink requires of a versioned table."));
        }
        let Some(watermark) = &table.watermark else {
            return Err(user(format!("the temporal join needs a watermark on the versioned table \"{}\"", table.name), *span)
                .with_hint("Declare WATERMARK FOR its event-time column, as Flink requires of a versioned table."));
        };
        let right_time = watermark.column;

        let nl = left.schema().len();
        let (schema, scope, conjuncts, on_span) = self.bind_versioned_condition(
            join,
            left.schema(),
            left_scope,
            &right,
            right_scope,
            left_join,
            "a temporal join needs an ON condition on the versioned table's primary key",
        )?;
        let (mut left_keys, mut right_keys, mut residual) = (Vec::new(), Vec::new(), Vec::new());
        for c in conjuncts {
            if let ScalarExpr::Call { func: Func::Eq, args, .. } = &c {
                let pair = match (&args[0], &args[1]) {
                    (ScalarExpr::Column { index: a, .. }, ScalarExpr::Column { index: b, .. }) if *a < nl && *b >= nl => Some((*a, *b - nl)),
                    (ScalarExpr::Column { index: a, .. }, ScalarExpr::Column { index: b, .. }) if *b < nl && *a >= nl => Some((*b, *a - nl)),
                    _ => None,
                };
                if let Some((l, r)) = pair {
                    if left.schema().fields[l].data_type.to_arrow() == right.schema().fields[r].data_type.to_arrow() {
                        left_keys.push(l);
                        right_keys.push(r);
                        continue;
                    }
                }
            }
            residual.push(c);
        }
        let pk: Vec<usize> = table
            .primary_key
            .iter()
            .filter_map(|k| right.schema().fields.iter().position(|f| f.name == *k))
            .collect();
        if pk.is_empty() || !pk.iter().all(|k| right_keys.contains(k)) || right_keys.iter().any(|k| !pk.contains(k)) {
            return Err(user(
                format!("the temporal join must join on the primary key of \"{}\" ({})", table.name, table.primary_key.join(", ")),
                on_span,
            )
            .with_hint("As in Flink, the ON clause of an event-time temporal join equates the versioned table's primary key columns with columns of the left table (of the same type)."));
        }
        let residual_expr = and_all(residual)?;
        let plan = LogicalPlan::TemporalJoin {
            left: Box::new(left),
            right: Box::new(right),
            left_join,
            left_keys,
            right_keys,
            left_time,
            right_time,
            residual: residual_expr,
            schema,
            span: join.span,
        };
        Ok((plan, scope))
    }
}

impl Binder<'_> {
    /// The row of a join against a table (lookup or temporal): the left columns, then the
    /// table's (nullable in a LEFT join, without time attributes), their scope, and the
    /// ON condition bound over them and split at AND, with its span. `missing_on` is the
    /// error for a join without ON.
    #[allow(clippy::too_many_arguments)]
    fn bind_versioned_condition(
        &mut self,
        join: &ast::Join,
        left: &PlanSchema,
        left_scope: Scope,
        right: &LogicalPlan,
        right_scope: Scope,
        left_join: bool,
        missing_on: &str,
    ) -> PlanResult<(PlanSchema, Scope, Vec<ScalarExpr>, sluice_sql::Span)> {
        let mut fields: Vec<PlanField> = left.fields.clone();
        for f in &right.schema().fields {
            let mut f = f.clone();
            f.data_type.nullable |= left_join;
            f.time_attribute = None;
            fields.push(f);
        }
        let schema = PlanSchema::new(fields);
        let mut scope = left_scope;
        scope.columns.extend(right_scope.columns);
        let JoinConstraint::On(on) = &join.constraint else {
            return Err(user(missing_on, join.span));
        };
        let cx = ExprContext { scope: &scope, schema: &schema, grouped: None };
        let bound = self.bind_expr(on, &cx)?;
        if !matches!(bound.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
            return Err(user(format!("the join condition must be BOOLEAN, not {}", bound.data_type()), on.span));
        }
        let mut conjuncts = Vec::new();
        split_and(bound, &mut conjuncts);
        Ok((schema, scope, conjuncts, on.span))
    }
}

/// `left_expr = table.column` (either way round), with the table's column as an index
/// into its own columns; the value must read only the left input (or nothing).
fn lookup_key(conjunct: &ScalarExpr, nl: usize) -> Option<(ScalarExpr, usize)> {
    let ScalarExpr::Call { func: Func::Eq, args, .. } = conjunct else { return None };
    let left_only = |e: &ScalarExpr| e.referenced_columns().iter().all(|c| *c < nl);
    // The table's column, possibly widened to compare with a key of another type: the
    // key is then cast to the column's own type instead.
    let column = |e: &ScalarExpr| match e {
        ScalarExpr::Column { index, .. } if *index >= nl => Some(*index),
        ScalarExpr::Cast { expr, try_cast: false, .. } => match expr.as_ref() {
            ScalarExpr::Column { index, .. } if *index >= nl => Some(*index),
            _ => None,
        },
        _ => None,
    };
    let value_of = |e: &ScalarExpr| match e {
        // An implicit cast of the key to the comparison type is replaced by the cast to
        // the column's type.
        ScalarExpr::Cast { expr, try_cast: false, .. } if left_only(expr) => Some(expr.as_ref().clone()),
        other if left_only(other) => Some(other.clone()),
        _ => None,
    };
    let (a, b) = (&args[0], &args[1]);
    if let (Some(index), Some(value)) = (column(a), value_of(b)) {
        return Some((value, index - nl));
    }
    if let (Some(index), Some(value)) = (column(b), value_of(a)) {
        return Some((value, index - nl));
    }
    None
}
