//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::OverAggregateSpec;
use crate::{Operator, Output, RuntimeError};

pub struct OverAggregateOperator {
    _spec: OverAggregateSpec,
}

impl OverAggregateOperator {
    pub fn new(_spec: OverAggregateSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("OverAggregateOperator is not built yet".into()))
    }
}

impl Operator for OverAggregateOperator {
    fn name(&self) -> &str {
        "OverAggregateOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("OverAggregateOperator is not built yet".into()))
    }
}
