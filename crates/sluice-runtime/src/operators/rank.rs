//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::RankSpec;
use crate::{Operator, Output, RuntimeError};

pub struct RankOperator {
    _spec: RankSpec,
}

impl RankOperator {
    pub fn new(_spec: RankSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("RankOperator is not built yet".into()))
    }
}

impl Operator for RankOperator {
    fn name(&self) -> &str {
        "RankOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("RankOperator is not built yet".into()))
    }
}
