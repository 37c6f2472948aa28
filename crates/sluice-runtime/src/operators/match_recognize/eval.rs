//! Evaluation of `DEFINE` conditions and measures over many partial matches at once.
//!
//! Each partial match (or finished match) to evaluate becomes one row of a *virtual
//! batch*: the input columns of its base row (the current row in a `DEFINE`, the last
//! row in a measure), then one column per `MatchInput` (`FIRST`/`LAST` values,
//! aggregates over the rows of a variable, `MATCH_ROWTIME()`). The condition's or
//! measure's `ScalarExpr` then runs over that batch like any other expression.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{new_null_array, Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, TimestampMicrosecondArray};
use arrow_buffer::BooleanBuffer;
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef, TimeUnit};
use sluice_expr::EvalContext;

use super::nfa::VarId;
use super::{Path, RowHandle, Segment};
use crate::aggregate::create_accumulator;
use crate::operators::window_rank::batch_store::{interleave_or_null, NULL_ROW};
use crate::spec::{MatchExpr, MatchInput, MatchRecognizeSpec};
use crate::RuntimeError;

const NODE: &str = "MatchRecognize";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NODE}: {e}"))
}

fn eval_error(e: sluice_expr::EvalError) -> RuntimeError {
    RuntimeError::Eval { node: NODE.into(), source: e }
}

/// What one virtual row is computed from: in a `DEFINE`, the current row (taken as the
/// variable being defined) and the partial match before it; in a measure, a finished
/// match.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub current: Option<(VarId, &'a RowHandle, i64)>,
    pub path: Option<&'a Path>,
    /// For a finished match: when it was emitted (`MATCH_ROWTIME()`).
    pub emitted: Option<i64>,
}

impl<'a> Context<'a> {
    /// A `DEFINE` of `var` for `event` after the partial match `path`.
    pub fn define(var: VarId, event: &'a super::nfa::Event<RowHandle>, path: Option<&'a Path>) -> Self {
        Context { current: Some((var, &event.row, event.ts)), path, emitted: None }
    }

    /// The rows from the last back to the first: `(variable, row, rowtime)`.
    fn rows_rev(&self) -> impl Iterator<Item = (VarId, &'a RowHandle, i64)> + 'a {
        let current = self.current;
        let path = self.path;
        current.into_iter().chain(super::nfa::path_rev(path).map(|n| (n.var, &n.event.row, n.event.ts)))
    }

    fn base(&self) -> Option<(&'a RowHandle, i64)> {
        self.rows_rev().next().map(|(_, r, ts)| (r, ts))
    }

    fn navigate(&self, var: Option<VarId>, from_first: bool, offset: usize) -> Option<&'a RowHandle> {
        let Some(var) = var else {
            // Every row of the match.
            return if from_first {
                let rows: Vec<&RowHandle> = self.rows_rev().map(|(_, r, _)| r).collect();
                rows.len().checked_sub(offset + 1).map(|i| rows[i])
            } else {
                self.rows_rev().nth(offset).map(|(_, r, _)| r)
            };
        };
        // The runs of `var`, last first: (last node, length); the current row, when it
        // is taken as `var`, extends the newest run by one.
        let current = self.current.filter(|(v, _, _)| *v == var).map(|(_, r, _)| r);
        if !from_first {
            let mut k = offset;
            if let Some(r) = current {
                if k == 0 {
                    return Some(r);
                }
                k -= 1;
            }
            let mut node = self.path.map(|p| p.as_ref());
            while let Some(n) = node {
                if n.var == var {
                    if k < n.run_len as usize {
                        return n.back(k).map(|m| &m.event.row);
                    }
                    k -= n.run_len as usize;
                }
                node = n.before_run.as_deref();
            }
            return None;
        }
        let mut runs: Vec<&super::nfa::Node<RowHandle>> = Vec::new();
        let mut node = self.path.map(|p| p.as_ref());
        while let Some(n) = node {
            if n.var == var {
                runs.push(n);
            }
            node = n.before_run.as_deref();
        }
        let mut k = offset;
        for n in runs.iter().rev() {
            let len = n.run_len as usize;
            if k < len {
                return n.back(len - 1 - k).map(|m| &m.event.row);
            }
            k -= len;
        }
        match (k, current) {
            (0, Some(r)) => Some(r),
            _ => None,
        }
    }
}

struct Compiled {
    expr: MatchExpr,
    /// Input columns the expression reads of its base row.
    base_columns: Vec<usize>,
    /// Per input: the input columns it reads (navigation and aggregate arguments).
    input_columns: Vec<Vec<usize>>,
}

impl Compiled {
    fn new(expr: &MatchExpr, input_len: usize) -> Self {
        let base_columns = expr.expr.referenced_columns().into_iter().filter(|c| *c < input_len).collect();
        let input_columns = expr
            .inputs
            .iter()
            .map(|i| match i {
                MatchInput::Navigate { expr, .. } => expr.referenced_columns(),
                MatchInput::Aggregate { args, .. } => {
                    let mut v: Vec<usize> = args.iter().flat_map(|a| a.referenced_columns()).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                }
                _ => Vec::new(),
            })
            .collect();
        Compiled { expr: expr.clone(), base_columns, input_columns }
    }

    fn is_local(&self) -> bool {
        self.expr.inputs.is_empty()
    }
}

pub(crate) struct Evaluator {
    input: SchemaRef,
    conditions: Vec<Option<Compiled>>,
    measures: Vec<Compiled>,
    ctx: EvalContext,
}

impl Evaluator {
    pub fn new(spec: &MatchRecognizeSpec) -> Result<Self, RuntimeError> {
        let n = spec.input_schema.fields().len();
        Ok(Evaluator {
            input: spec.input_schema.clone(),
            conditions: spec.definition.conditions.iter().map(|c| c.as_ref().map(|c| Compiled::new(c, n))).collect(),
            measures: spec.definition.measures.iter().map(|m| Compiled::new(m, n)).collect(),
            ctx: spec.ctx.clone(),
        })
    }

    /// The conditions that read only the current row, over a whole input batch.
    pub fn local_conditions(&self, batch: &RecordBatch) -> Result<Vec<Option<BooleanBuffer>>, RuntimeError> {
        self.conditions
            .iter()
            .map(|c| match c {
                Some(c) if c.is_local() => {
                    let a = c.expr.expr.evaluate(batch, &self.ctx).map_err(eval_error)?;
                    Ok(Some(true_bits(&a)?))
                }
                _ => Ok(None),
            })
            .collect()
    }

    /// Variable `var`'s condition for each context.
    pub fn condition(&self, var: VarId, contexts: &[Context<'_>]) -> Result<BooleanBuffer, RuntimeError> {
        let c = self.conditions[var].as_ref().ok_or_else(|| internal("no condition to evaluate"))?;
        let a = self.evaluate(c, contexts)?;
        true_bits(&a)
    }

    /// Every measure for each finished match.
    pub fn measures(&self, contexts: &[Context<'_>]) -> Result<Vec<ArrayRef>, RuntimeError> {
        self.measures.iter().map(|m| self.evaluate(m, contexts)).collect()
    }

    fn evaluate(&self, c: &Compiled, contexts: &[Context<'_>]) -> Result<ArrayRef, RuntimeError> {
        let n = contexts.len();
        let base: Vec<Option<&RowHandle>> = contexts.iter().map(|cx| cx.base().map(|(r, _)| r)).collect();
        let mut columns = self.gather(&base, &c.base_columns)?;
        let mut fields: Vec<Field> = self.input.fields().iter().map(|f| f.as_ref().clone()).collect();
        for (k, (input, cols)) in c.expr.inputs.iter().zip(&c.input_columns).enumerate() {
            let array = match input {
                MatchInput::Navigate { var, from_first, offset, expr } => {
                    let rows: Vec<Option<&RowHandle>> =
                        contexts.iter().map(|cx| cx.navigate(*var, *from_first, *offset)).collect();
                    let batch = self.gather_batch(&rows, cols)?;
                    expr.evaluate(&batch, &self.ctx).map_err(eval_error)?
                }
                MatchInput::Aggregate { var, call, args } => {
                    let mut rows: Vec<Option<&RowHandle>> = Vec::new();
                    let mut groups: Vec<u32> = Vec::new();
                    for (g, cx) in contexts.iter().enumerate() {
                        let start = rows.len();
                        rows.extend(cx.rows_rev().filter(|(v, _, _)| var.is_none_or(|w| w == *v)).map(|(_, r, _)| Some(r)));
                        rows[start..].reverse();
                        groups.resize(rows.len(), g as u32);
                    }
                    let batch = self.gather_batch(&rows, cols)?;
                    let arg_arrays =
                        args.iter().map(|a| a.evaluate(&batch, &self.ctx).map_err(eval_error)).collect::<Result<Vec<_>, _>>()?;
                    let arg_types: Vec<ArrowType> = arg_arrays.iter().map(|a| a.data_type().clone()).collect();
                    let mut acc = create_accumulator(call, &arg_types).map_err(internal)?;
                    acc.resize(n);
                    let call_args: Vec<ArrayRef> = call.args.iter().map(|i| arg_arrays[*i].clone()).collect();
                    acc.update(&call_args, &groups, None).map_err(internal)?;
                    let all: Vec<u32> = (0..n as u32).collect();
                    acc.evaluate(&all).map_err(internal)?
                }
                MatchInput::MatchRowtime { data_type } => {
                    // Flink's MATCH_ROWTIME() is the time the match was emitted at: the
                    // last row's rowtime, or a later one for a match that was held back.
                    // A match released by the end of input keeps its last row's time.
                    let values: Vec<Option<i64>> = contexts
                        .iter()
                        .map(|cx| match cx.emitted {
                            Some(t) if t != i64::MAX => Some(t),
                            _ => cx.base().map(|(_, ts)| ts),
                        })
                        .collect();
                    let a = TimestampMicrosecondArray::from(values);
                    match data_type.to_arrow() {
                        ArrowType::Timestamp(TimeUnit::Microsecond, tz) => Arc::new(a.with_timezone_opt(tz)),
                        _ => Arc::new(a),
                    }
                }
                MatchInput::MatchProctime => {
                    let now = self.ctx.now();
                    Arc::new(TimestampMicrosecondArray::from(vec![now; n]).with_timezone("UTC"))
                }
            };
            fields.push(Field::new(format!("$in{k}"), array.data_type().clone(), true));
            columns.push(array);
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new_with_options(schema, columns, &RecordBatchOptions::new().with_row_count(Some(n)))
            .map_err(internal)?;
        c.expr.expr.evaluate(&batch, &self.ctx).map_err(eval_error)
    }

    fn gather_batch(&self, rows: &[Option<&RowHandle>], columns: &[usize]) -> Result<RecordBatch, RuntimeError> {
        let arrays = self.gather(rows, columns)?;
        RecordBatch::try_new_with_options(self.input.clone(), arrays, &RecordBatchOptions::new().with_row_count(Some(rows.len())))
            .map_err(internal)
    }

    /// The input columns of `rows` (NULL for `None`); columns not in `wanted` are all
    /// NULL.
    fn gather(&self, rows: &[Option<&RowHandle>], wanted: &[usize]) -> Result<Vec<ArrayRef>, RuntimeError> {
        let n = rows.len();
        let mut slots: HashMap<*const Segment, usize> = HashMap::new();
        let mut segments: Vec<&Segment> = Vec::new();
        let mut indices: Vec<(usize, usize)> = Vec::with_capacity(n);
        let mut last: Option<(*const Segment, usize)> = None;
        for r in rows {
            indices.push(r.map_or(NULL_ROW, |r| {
                let ptr = Arc::as_ptr(&r.segment);
                let slot = match last {
                    Some((p, s)) if p == ptr => s,
                    _ => {
                        let s = *slots.entry(ptr).or_insert_with(|| {
                            segments.push(&r.segment);
                            segments.len() - 1
                        });
                        last = Some((ptr, s));
                        s
                    }
                };
                (slot, r.row as usize)
            }));
        }
        // The rows of one batch in order are a slice of it.
        let in_order = segments.len() == 1 && indices.iter().enumerate().all(|(i, ix)| *ix == (0, i));
        self.input
            .fields()
            .iter()
            .enumerate()
            .map(|(c, f)| {
                if !wanted.contains(&c) {
                    return Ok(new_null_array(f.data_type(), n));
                }
                if in_order {
                    return Ok(segments[0].batch.column(c).slice(0, n));
                }
                let arrays: Vec<&dyn Array> = segments.iter().map(|s| s.batch.column(c).as_ref()).collect();
                interleave_or_null(&arrays, &indices, f.data_type()).map_err(internal)
            })
            .collect()
    }
}

/// The rows of a BOOLEAN array that are TRUE (NULL counts as false).
fn true_bits(a: &ArrayRef) -> Result<BooleanBuffer, RuntimeError> {
    let b = a.as_any().downcast_ref::<BooleanArray>().ok_or_else(|| internal("a DEFINE condition is not BOOLEAN"))?;
    Ok(match b.nulls() {
        Some(nulls) if nulls.null_count() > 0 => b.values() & nulls.inner(),
        _ => b.values().clone(),
    })
}

