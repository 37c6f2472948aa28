use sluice_connector_api::ChangeBatch;

use crate::{Operator, Output, RuntimeError};

/// `UNION ALL`: forwards the rows of every input. The inputs have the same schema (the
/// planner casts them); the executor combines their watermarks by minimum.
#[derive(Default)]
pub struct UnionOperator;

impl Operator for UnionOperator {
    fn name(&self) -> &str {
        "Union"
    }

    fn is_stateless(&self) -> bool {
        true
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        out.emit(batch);
        Ok(())
    }
}
