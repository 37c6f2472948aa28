//! Changelog modes: which changes the rows of a plan carry, derived bottom-up the way
//! Flink's planner infers them (`FlinkChangelogModeInferenceProgram`).
//!
//! A stream is insert-only (`+I` rows only) or updating (`-U`, `+U` and `-D` as well).
//! An updating stream may know an upsert key: columns whose values identify one live
//! row, so an update of a row can be written as an upsert on those columns.
//!
//! Operators that keep results forever and revise them (a `GROUP BY` without a window,
//! an unbounded Top-N, a regular outer join) make a stream updating. Operators that
//! finalise results on watermarks (windows, OVER, interval joins) need an insert-only
//! input; an updating one is a planning error naming the operator that made it so.

use sluice_connector_api::{ConnectorRegistry, SourceChangelogMode};
use sluice_expr::ScalarExpr;
use sluice_runtime::spec::JoinType;
use sluice_sql::{Diagnostic, Span};

use crate::error::{user, PlanResult};
use crate::logical::{LogicalPlan, PlanSchema};

/// The changes a plan's rows carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangelogMode {
    /// Rows may be `-U`, `+U` or `-D`, not only `+I`.
    pub updating: bool,
    /// Columns identifying one live row of an updating stream, when known.
    pub upsert_key: Option<Vec<usize>>,
    /// The operator that made the stream updating, for messages.
    pub origin: Option<Origin>,
}

/// Where updates come from: a description of the operator and its place in the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub what: String,
    pub span: Option<Span>,
}

impl ChangelogMode {
    pub fn insert_only() -> ChangelogMode {
        ChangelogMode { updating: false, upsert_key: None, origin: None }
    }

    fn updating(upsert_key: Option<Vec<usize>>, what: impl Into<String>, span: Option<Span>) -> ChangelogMode {
        ChangelogMode { updating: true, upsert_key, origin: Some(Origin { what: what.into(), span }) }
    }

    /// The error for an operator (`consumer`, at `span`) that cannot take this stream's
    /// updates.
    pub fn refused_by(&self, consumer: &str, span: Option<Span>) -> Diagnostic {
        let origin = self.origin.clone().unwrap_or(Origin { what: "an updating input".into(), span: None });
        let message = format!("{consumer} cannot consume the updating result of {}", origin.what);
        let hint = "Windows, OVER aggregations and interval joins need an append-only input, whose rows are never revised. Put the window before the updating operator, or group by window_start and window_end of a window instead of an unbounded GROUP BY.";
        crate::error::user_at(message, span.or(origin.span), "needs an append-only input").with_hint(hint)
    }
}

/// Derives changelog modes. Scans ask the connector whether their source is an upsert
/// stream.
pub struct ChangelogInference<'a> {
    pub registry: &'a ConnectorRegistry,
}

impl ChangelogInference<'_> {
    pub fn mode(&self, plan: &LogicalPlan) -> PlanResult<ChangelogMode> {
        Ok(match plan {
            LogicalPlan::Scan { table, .. } => {
                let upsert = self
                    .registry
                    .get(&table.connector)
                    .is_some_and(|f| f.source_changelog_mode(&table.spec()) == SourceChangelogMode::Upsert);
                if upsert {
                    let key = table
                        .primary_key
                        .iter()
                        .map(|k| table.columns.iter().position(|c| c.name == *k))
                        .collect::<Option<Vec<_>>>();
                    ChangelogMode::updating(key, format!("the upsert source \"{}\"", table.name), None)
                } else {
                    ChangelogMode::insert_only()
                }
            }
            LogicalPlan::Values { .. } => ChangelogMode::insert_only(),
            LogicalPlan::Project { input, exprs, .. } => {
                let mut mode = self.mode(input)?;
                mode.upsert_key = mode.upsert_key.and_then(|key| project_key(&key, exprs));
                mode
            }
            LogicalPlan::Filter { input, .. } => self.mode(input)?,
            // Each row is joined as it comes, keeping its change kind; the input's
            // columns come first, so its upsert key stays where it was.
            LogicalPlan::LookupJoin { input, .. } => self.mode(input)?,
            LogicalPlan::MatchRecognize { input, span, .. } => {
                self.append_only_input(input, "MATCH_RECOGNIZE", Some(*span))?;
                ChangelogMode::insert_only()
            }
            // Rows are emitted once, when the watermark passes them: insert-only, as
            // long as the probe side is.
            LogicalPlan::TemporalJoin { left, right, span, .. } => {
                let probe = self.mode(left)?;
                if probe.updating {
                    return Err(probe.refused_by("an event-time temporal join", Some(*span)));
                }
                self.mode(right)?;
                ChangelogMode::insert_only()
            }
            LogicalPlan::Unnest { input, .. } => {
                let mut mode = self.mode(input)?;
                mode.upsert_key = None;
                mode
            }
            LogicalPlan::Union { inputs, .. } => {
                let mut out = ChangelogMode::insert_only();
                for input in inputs {
                    let mode = self.mode(input)?;
                    if mode.updating && !out.updating {
                        out = mode;
                    }
                }
                out.upsert_key = None;
                out
            }
            LogicalPlan::Aggregate { input, keys, window, span, .. } => {
                let mode = self.mode(input)?;
                match window {
                    Some(_) => {
                        if mode.updating {
                            return Err(mode.refused_by("a window aggregation", Some(*span)));
                        }
                        ChangelogMode::insert_only()
                    }
                    None => ChangelogMode::updating(
                        Some((0..keys.len()).collect()),
                        "GROUP BY without a window (its results are revised as rows arrive)",
                        Some(*span),
                    ),
                }
            }
            LogicalPlan::WindowTvf { input, span, .. } => {
                self.append_only_input(input, "a window table-valued function", Some(*span))?;
                ChangelogMode::insert_only()
            }
            LogicalPlan::OverAggregate { input, span, .. } => {
                self.append_only_input(input, "an OVER aggregation", Some(*span))?;
                ChangelogMode::insert_only()
            }
            LogicalPlan::WindowRank { input, .. } => {
                self.append_only_input(input, "a window Top-N", None)?;
                ChangelogMode::insert_only()
            }
            LogicalPlan::RowNumber { input, .. } => self.mode(input)?,
            LogicalPlan::Rank { input, keys, order, limit, emit_rank, schema, span } => {
                // A LIMIT without ORDER BY over an insert-only input keeps the first rows
                // and never takes one back (Flink's AppendOnlyFirstNFunction): inserts only.
                if order.is_empty() && !*emit_rank && !self.mode(input)?.updating {
                    return Ok(ChangelogMode::insert_only());
                }
                let key = if *emit_rank {
                    Some(keys.iter().copied().chain([schema.len() - 1]).collect())
                } else if *limit == 1 {
                    Some(keys.clone())
                } else {
                    None
                };
                ChangelogMode::updating(key, "a Top-N without a window (its ranking is revised as rows arrive)", Some(*span))
            }
            LogicalPlan::TemporalSort { input, span, .. } => {
                if self.mode(input)?.updating {
                    return Err(user("Sort on a non-time-attribute field is not supported.", *span)
                        .with_hint("The sorted input is an updating result, whose time column is no time attribute: add LIMIT n for a Top-N."));
                }
                ChangelogMode::insert_only()
            }
            LogicalPlan::Deduplicate { input, keys, keep_last, span, .. } => {
                let mode = self.mode(input)?;
                // Keep-first emits each key's row once: on processing time at once, on
                // event time when the watermark passes it (Flink 2.3's
                // RowTimeDeduplicateKeepFirstRowFunction). Keep-last revises it.
                if !*keep_last && !mode.updating {
                    ChangelogMode::insert_only()
                } else {
                    let what = if *keep_last { "a keep-last-row deduplication" } else { "a deduplication over an updating input" };
                    ChangelogMode::updating(Some(keys.clone()), what, Some(*span))
                }
            }
            LogicalPlan::Expand { input, .. } => {
                let mut mode = self.mode(input)?;
                mode.upsert_key = None;
                mode
            }
            // As Flink's: a semi join forwards its inputs' changes (a left row is emitted
            // once, when its first match arrives, and retracted when a match leaves); an
            // anti join retracts a row as soon as a match arrives.
            LogicalPlan::SemiJoin { left, right, anti, span, .. } => {
                let (l, r) = (self.mode(left)?, self.mode(right)?);
                let upsert_key = if l.updating { l.upsert_key.clone() } else { None };
                if *anti {
                    ChangelogMode::updating(
                        upsert_key,
                        "NOT IN, NOT EXISTS or EXCEPT (an anti join retracts a row once a match for it arrives)",
                        Some(*span),
                    )
                } else if l.updating {
                    l
                } else if r.updating {
                    ChangelogMode::updating(
                        None,
                        "IN, EXISTS or INTERSECT over an updating input (a row is retracted when its last match leaves)",
                        Some(*span),
                    )
                } else {
                    ChangelogMode::insert_only()
                }
            }
            // Rows are joined when their window fires, once: insert-only.
            LogicalPlan::WindowJoin { left, right, span, .. } => {
                self.append_only_input(left, "a window join", Some(*span))?;
                self.append_only_input(right, "a window join", Some(*span))?;
                ChangelogMode::insert_only()
            }
            LogicalPlan::ReplicateRows { input, .. } => {
                let mut mode = self.mode(input)?;
                mode.upsert_key = None;
                mode
            }
            LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval, span, .. } => {
                if interval.is_some() {
                    self.append_only_input(left, "an interval join", Some(*span))?;
                    self.append_only_input(right, "an interval join", Some(*span))?;
                    return Ok(ChangelogMode::insert_only());
                }
                let (l, r) = (self.mode(left)?, self.mode(right)?);
                let upsert_key = join_upsert_key(&l, &r, *join_type, (left_keys, right_keys), (left.schema(), right.schema()));
                if *join_type != JoinType::Inner {
                    ChangelogMode::updating(
                        upsert_key,
                        format!("{} JOIN (a row without a match is retracted once its match arrives)", join_name(*join_type)),
                        Some(*span),
                    )
                } else if l.updating {
                    ChangelogMode { upsert_key, ..l }
                } else if r.updating {
                    ChangelogMode { upsert_key, ..r }
                } else {
                    ChangelogMode::insert_only()
                }
            }
        })
    }

    fn append_only_input(&self, input: &LogicalPlan, consumer: &str, span: Option<Span>) -> PlanResult<()> {
        let mode = self.mode(input)?;
        if mode.updating {
            return Err(mode.refused_by(consumer, span));
        }
        Ok(())
    }
}

fn join_name(join_type: JoinType) -> &'static str {
    match join_type {
        JoinType::Inner => "INNER",
        JoinType::Left => "LEFT",
        JoinType::Right => "RIGHT",
        JoinType::Full => "FULL OUTER",
    }
}

/// The upsert key of a regular join's result, from its inputs' (`None` when unsure,
/// which is always correct). Only updating inputs have upsert keys: an insert-only
/// input may hold equal rows twice, so nothing identifies one of its rows.
///
/// - An inner or left join whose right join keys contain the right upsert key matches
///   each left row with at most one live right row, so the left key alone identifies an
///   output row (a left row's padded row and its join are never live together); the
///   same holds mirrored for inner and right joins.
/// - Otherwise the union of both keys (right columns shifted) identifies an output row:
///   a live left row is joined with each of its live matches, or else padded once, and
///   the same holds for a right row. In a full join a left row padded with NULLs and a
///   right row padded with NULLs share the union when both their keys are NULL (a
///   GROUP BY over NULL values), so there the union is kept only when a key column is
///   NOT NULL in its input.
fn join_upsert_key(
    left: &ChangelogMode,
    right: &ChangelogMode,
    join_type: JoinType,
    (left_keys, right_keys): (&[usize], &[usize]),
    (left_schema, right_schema): (&PlanSchema, &PlanSchema),
) -> Option<Vec<usize>> {
    let lk = left.upsert_key.as_ref().filter(|_| left.updating)?;
    let rk = right.upsert_key.as_ref().filter(|_| right.updating)?;
    let covers = |keys: &[usize], key: &[usize]| key.iter().all(|k| keys.contains(k));
    let not_null = |schema: &PlanSchema, key: &[usize]| {
        key.iter().any(|k| schema.fields.get(*k).is_some_and(|f| !f.data_type.nullable))
    };
    let shifted = rk.iter().map(|k| k + left_schema.len());
    match join_type {
        JoinType::Inner | JoinType::Left if covers(right_keys, rk) => Some(lk.clone()),
        JoinType::Inner | JoinType::Right if covers(left_keys, lk) => Some(shifted.collect()),
        JoinType::Full if !not_null(left_schema, lk) && !not_null(right_schema, rk) => None,
        _ => Some(lk.iter().copied().chain(shifted).collect()),
    }
}

/// An upsert key after a projection: kept when every key column is projected as is.
fn project_key(key: &[usize], exprs: &[ScalarExpr]) -> Option<Vec<usize>> {
    key.iter()
        .map(|k| exprs.iter().position(|e| matches!(e, ScalarExpr::Column { index, .. } if index == k)))
        .collect()
}
