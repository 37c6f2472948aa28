//! The operators, one per file.

mod calc;
pub mod interval_join;
pub mod over_aggregate;
mod union;
mod unnest;
mod values;
pub mod watermark_assigner;
pub mod window_aggregate;
pub mod window_rank;
pub mod window_table;

pub use calc::CalcOperator;
pub use interval_join::IntervalJoinOperator;
pub use over_aggregate::OverAggregateOperator;
pub use union::UnionOperator;
pub use unnest::UnnestOperator;
pub use values::ValuesSource;
pub use watermark_assigner::WatermarkAssigner;
pub use window_aggregate::WindowAggregateOperator;
pub use window_rank::WindowRankOperator;
pub use window_table::WindowTableOperator;
