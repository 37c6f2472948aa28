//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::WindowTableSpec;
use crate::{Operator, Output, RuntimeError};

pub struct WindowTableOperator {
    _spec: WindowTableSpec,
}

impl WindowTableOperator {
    pub fn new(_spec: WindowTableSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("WindowTableOperator is not built yet".into()))
    }
}

impl Operator for WindowTableOperator {
    fn name(&self) -> &str {
        "WindowTableOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("WindowTableOperator is not built yet".into()))
    }
}
