//! The operators, one per file.

mod calc;
mod union;
mod unnest;
mod values;
mod watermark_assigner;

pub use calc::CalcOperator;
pub use union::UnionOperator;
pub use unnest::UnnestOperator;
pub use values::ValuesSource;
pub use watermark_assigner::WatermarkAssigner;
