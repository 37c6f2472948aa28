//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::WindowAggregateSpec;
use crate::{Operator, Output, RuntimeError};

pub struct WindowAggregateOperator {
    _spec: WindowAggregateSpec,
}

impl WindowAggregateOperator {
    pub fn new(_spec: WindowAggregateSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("WindowAggregateOperator is not built yet".into()))
    }
}

impl Operator for WindowAggregateOperator {
    fn name(&self) -> &str {
        "WindowAggregateOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("WindowAggregateOperator is not built yet".into()))
    }
}
