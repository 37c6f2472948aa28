//! Lowering of regular joins (no time interval) to `JoinOperator`.
//!
//! Both inputs are lowered with `-U` rows (the join retracts what an update replaces).
//! An updating input with an upsert key is stored one row per key; any other updating
//! input as a count per distinct row, as Flink's `JoinRecordStateViews` do. An insert-only
//! input keeps its rows as they come: nothing will ask for one back.

use sluice_runtime::operators::JoinOperator;
use sluice_runtime::spec::JoinSpec;
use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::window::operator_error;
use super::{internal, Lowering};
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// A `Join` without an interval. The join emits its inputs' kinds as they come, so
    /// `_before` needs nothing of its own: the inputs always carry `-U` rows.
    pub(super) fn regular_join(&mut self, plan: &LogicalPlan, _before: bool) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval: None, residual, schema, state_ttl, .. } = plan
        else {
            return Err(internal("regular_join() lowers a Join without an interval only"));
        };
        let left_unique_key = self.unique_key(left)?;
        let right_unique_key = self.unique_key(right)?;
        let left_insert_only = !self.changelog().mode(left)?.updating;
        let right_insert_only = !self.changelog().mode(right)?.updating;
        let l = self.lower(left, true)?;
        let r = self.lower(right, true)?;
        let spec = JoinSpec {
            join_type: *join_type,
            left_keys: left_keys.clone(),
            right_keys: right_keys.clone(),
            residual: residual.clone(),
            ctx: self.ctx.clone(),
            left_unique_key,
            right_unique_key,
            left_insert_only,
            right_insert_only,
            state_ttl: state_ttl[0].or(self.state_ttl),
            right_state_ttl: state_ttl[1].or(self.state_ttl),
            left_schema: left.schema().to_arrow(),
            right_schema: right.schema().to_arrow(),
            output_schema: schema.to_arrow(),
        };
        let op = JoinOperator::new(spec).map_err(|e| operator_error("JOIN", e))?;
        Ok(self.dataflow.add_operator(Box::new(op), vec![l, r]))
    }

    /// The upsert key of an updating input: its rows are one per key, so the join keeps
    /// one row per key. An insert-only input may repeat rows and has none.
    fn unique_key(&self, input: &LogicalPlan) -> Result<Option<Vec<usize>>, Diagnostic> {
        let mode = self.changelog().mode(input)?;
        Ok(if mode.updating { mode.upsert_key.filter(|k| !k.is_empty()) } else { None })
    }
}

#[cfg(test)]
mod tests {
    use super::super::changelog_tests::{mode_of, A, B};
    use crate::changelog::ChangelogMode;

    const GA: &str = "(SELECT k, COUNT(*) AS n FROM (VALUES (1, 10), (1, 20)) AS t(k, v) GROUP BY k) AS a";
    const GB: &str = "(SELECT k, MAX(w) AS m FROM (VALUES (1, 'x'), (3, 'y')) AS t(k, w) GROUP BY k) AS b";

    #[test]
    fn an_inner_join_of_insert_only_inputs_is_insert_only() {
        assert_eq!(mode_of(&format!("SELECT a.v, b.w FROM {A} JOIN {B} ON a.k = b.k")), ChangelogMode::insert_only());
    }

    #[test]
    fn an_outer_join_of_insert_only_inputs_is_updating_without_a_key() {
        for join in ["LEFT", "RIGHT", "FULL"] {
            let mode = mode_of(&format!("SELECT a.v, b.w FROM {A} {join} JOIN {B} ON a.k = b.k"));
            assert!(mode.updating, "{join}");
            assert_eq!(mode.upsert_key, None, "{join}");
        }
    }

    #[test]
    fn a_join_with_an_insert_only_input_has_no_key() {
        let mode = mode_of(&format!("SELECT a.k, a.n, b.w FROM {GA} JOIN {B} ON a.k = b.k"));
        assert!(mode.updating);
        assert_eq!(mode.upsert_key, None);
    }

    #[test]
    fn a_side_unique_on_the_join_keys_leaves_the_other_sides_key() {
        let sql = |join: &str| format!("SELECT a.k, a.n, b.k, b.m FROM {GA} {join} JOIN {GB} ON a.k = b.k");
        assert_eq!(mode_of(&sql("")).upsert_key, Some(vec![0]));
        assert_eq!(mode_of(&sql("LEFT")).upsert_key, Some(vec![0]));
        assert_eq!(mode_of(&sql("RIGHT")).upsert_key, Some(vec![2]));
    }

    #[test]
    fn otherwise_both_keys_identify_a_row() {
        // The right join key (b.m) does not hold b's key (b.k).
        let mode = mode_of(&format!("SELECT a.k, a.n, b.k, b.m FROM {GA} LEFT JOIN {GB} ON CAST(a.k AS STRING) = b.m"));
        assert_eq!(mode.upsert_key, Some(vec![0, 2]));
        // The keys of VALUES are NOT NULL, so the rows padded on either side differ.
        let mode = mode_of(&format!("SELECT a.k, a.n, b.k, b.m FROM {GA} FULL JOIN {GB} ON a.k = b.k"));
        assert_eq!(mode.upsert_key, Some(vec![0, 2]));
    }

    #[test]
    fn a_full_join_of_nullable_keys_has_none() {
        let ga = "(SELECT k, COUNT(*) AS n FROM (VALUES (CAST(NULL AS INT), 10), (1, 20)) AS t(k, v) GROUP BY k) AS a";
        let gb = "(SELECT k, MAX(w) AS m FROM (VALUES (CAST(NULL AS INT), 'x'), (3, 'y')) AS t(k, w) GROUP BY k) AS b";
        let mode = mode_of(&format!("SELECT a.k, a.n, b.k, b.m FROM {ga} FULL JOIN {gb} ON a.k = b.k"));
        assert!(mode.updating);
        assert_eq!(mode.upsert_key, None);
    }
}
