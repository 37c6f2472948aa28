//! The operators, one per file.

mod calc;
pub mod deduplicate;
pub mod expand;
pub mod group_aggregate;
pub mod interval_join;
pub mod join;
pub mod lookup_join;
pub mod over_aggregate;
mod proctime_clock;
pub mod rank;
mod union;
mod unnest;
pub mod upsert_materialize;
mod values;
pub mod watermark_assigner;
pub mod window_aggregate;
pub mod window_rank;
pub mod window_table;

pub use calc::CalcOperator;
pub use deduplicate::DeduplicateOperator;
pub use expand::ExpandOperator;
pub use group_aggregate::GroupAggregateOperator;
pub use interval_join::IntervalJoinOperator;
pub use join::JoinOperator;
pub use lookup_join::{LookupJoinOperator, LookupJoinSpec};
pub use over_aggregate::OverAggregateOperator;
pub use proctime_clock::ProcTimeClock;
pub use rank::RankOperator;
pub use union::UnionOperator;
pub use unnest::UnnestOperator;
pub use upsert_materialize::UpsertMaterializeOperator;
pub use values::ValuesSource;
pub use watermark_assigner::WatermarkAssigner;
pub use window_aggregate::WindowAggregateOperator;
pub use window_rank::WindowRankOperator;
pub use window_table::WindowTableOperator;
