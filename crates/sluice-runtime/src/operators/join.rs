//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::JoinSpec;
use crate::{Operator, Output, RuntimeError};

pub struct JoinOperator {
    _spec: JoinSpec,
}

impl JoinOperator {
    pub fn new(_spec: JoinSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("JoinOperator is not built yet".into()))
    }
}

impl Operator for JoinOperator {
    fn name(&self) -> &str {
        "JoinOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("JoinOperator is not built yet".into()))
    }
}
