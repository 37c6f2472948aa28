//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::IntervalJoinSpec;
use crate::{Operator, Output, RuntimeError};

pub struct IntervalJoinOperator {
    _spec: IntervalJoinSpec,
}

impl IntervalJoinOperator {
    pub fn new(_spec: IntervalJoinSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("IntervalJoinOperator is not built yet".into()))
    }
}

impl Operator for IntervalJoinOperator {
    fn name(&self) -> &str {
        "IntervalJoinOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("IntervalJoinOperator is not built yet".into()))
    }
}
