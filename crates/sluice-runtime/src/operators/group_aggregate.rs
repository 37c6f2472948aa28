//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::GroupAggregateSpec;
use crate::{Operator, Output, RuntimeError};

pub struct GroupAggregateOperator {
    _spec: GroupAggregateSpec,
}

impl GroupAggregateOperator {
    pub fn new(_spec: GroupAggregateSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("GroupAggregateOperator is not built yet".into()))
    }
}

impl Operator for GroupAggregateOperator {
    fn name(&self) -> &str {
        "GroupAggregateOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("GroupAggregateOperator is not built yet".into()))
    }
}
