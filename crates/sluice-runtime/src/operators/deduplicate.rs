//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::DeduplicateSpec;
use crate::{Operator, Output, RuntimeError};

pub struct DeduplicateOperator {
    _spec: DeduplicateSpec,
}

impl DeduplicateOperator {
    pub fn new(_spec: DeduplicateSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("DeduplicateOperator is not built yet".into()))
    }
}

impl Operator for DeduplicateOperator {
    fn name(&self) -> &str {
        "DeduplicateOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("DeduplicateOperator is not built yet".into()))
    }
}
