//! Lowering of semi and anti joins to `SemiAntiJoinOperator`.
//!
//! Both inputs are lowered with `-U` rows: the operator retracts what an update
//! replaces, and it emits the left input's kinds as they come.

use sluice_runtime::operators::{SemiAntiJoinOperator, SemiJoinSpec};
use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::window::operator_error;
use super::{internal, Lowering};
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    pub(super) fn semi_join(&mut self, plan: &LogicalPlan) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::SemiJoin { left, right, anti, left_keys, right_keys, null_safe, residual, .. } = plan else {
            return Err(internal("semi_join() lowers a SemiJoin only"));
        };
        let l = self.lower(left, true)?;
        let r = self.lower(right, true)?;
        let spec = SemiJoinSpec {
            anti: *anti,
            left_keys: left_keys.clone(),
            right_keys: right_keys.clone(),
            null_safe: null_safe.clone(),
            residual: residual.clone(),
            ctx: self.ctx.clone(),
            state_ttl: self.state_ttl,
            left_schema: left.schema().to_arrow(),
            right_schema: right.schema().to_arrow(),
        };
        let op = SemiAntiJoinOperator::new(spec).map_err(|e| operator_error(if *anti { "an anti join" } else { "a semi join" }, e))?;
        Ok(self.dataflow.add_operator(Box::new(op), vec![l, r]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::changelog_tests::{mode_of, A, B};
    use crate::changelog::ChangelogMode;

    const GB: &str = "(SELECT k, MAX(w) AS m FROM (VALUES (1, 'x'), (3, 'y')) AS t(k, w) GROUP BY k) AS b";

    #[test]
    fn a_semi_join_of_insert_only_inputs_is_insert_only() {
        assert_eq!(mode_of(&format!("SELECT a.v FROM {A} WHERE a.k IN (SELECT b.k FROM {B})")), ChangelogMode::insert_only());
        assert_eq!(mode_of(&format!("SELECT a.v FROM {A} WHERE EXISTS (SELECT * FROM {B} WHERE b.k = a.k)")), ChangelogMode::insert_only());
    }

    #[test]
    fn a_semi_join_over_an_updating_subquery_is_updating() {
        let mode = mode_of(&format!("SELECT a.v FROM {A} WHERE a.k IN (SELECT b.k FROM {GB})"));
        assert!(mode.updating);
        assert_eq!(mode.upsert_key, None);
    }

    #[test]
    fn an_anti_join_is_updating() {
        for sql in [
            format!("SELECT a.v FROM {A} WHERE a.k NOT IN (SELECT b.k FROM {B})"),
            format!("SELECT a.v FROM {A} WHERE NOT EXISTS (SELECT * FROM {B} WHERE b.k = a.k)"),
        ] {
            let mode = mode_of(&sql);
            assert!(mode.updating, "{sql}");
            assert!(mode.origin.is_some_and(|o| o.what.contains("anti join")), "{sql}");
        }
    }

    #[test]
    fn set_operations_without_all_are_updating_and_keyed_by_every_column() {
        for op in ["UNION", "INTERSECT", "EXCEPT"] {
            let mode = mode_of(&format!("SELECT k FROM {A} {op} SELECT k FROM {B}"));
            assert!(mode.updating, "{op}");
            assert_eq!(mode.upsert_key, Some(vec![0]), "{op}");
        }
        for op in ["INTERSECT ALL", "EXCEPT ALL"] {
            let mode = mode_of(&format!("SELECT k FROM {A} {op} SELECT k FROM {B}"));
            assert!(mode.updating, "{op}");
            assert_eq!(mode.upsert_key, None, "{op}");
        }
        assert_eq!(mode_of(&format!("SELECT k FROM {A} UNION ALL SELECT k FROM {B}")), ChangelogMode::insert_only());
    }
}
