//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::UpsertMaterializeSpec;
use crate::{Operator, Output, RuntimeError};

pub struct UpsertMaterializeOperator {
    _spec: UpsertMaterializeSpec,
}

impl UpsertMaterializeOperator {
    pub fn new(_spec: UpsertMaterializeSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("UpsertMaterializeOperator is not built yet".into()))
    }
}

impl Operator for UpsertMaterializeOperator {
    fn name(&self) -> &str {
        "UpsertMaterializeOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("UpsertMaterializeOperator is not built yet".into()))
    }
}
