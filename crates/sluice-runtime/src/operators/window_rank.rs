//! Placeholder: being written. Constructing it fails, so nothing can run on it.

use sluice_connector_api::ChangeBatch;

use crate::spec::WindowRankSpec;
use crate::{Operator, Output, RuntimeError};

pub struct WindowRankOperator {
    _spec: WindowRankSpec,
}

impl WindowRankOperator {
    pub fn new(_spec: WindowRankSpec) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Internal("WindowRankOperator is not built yet".into()))
    }
}

impl Operator for WindowRankOperator {
    fn name(&self) -> &str {
        "WindowRankOperator"
    }

    fn on_batch(&mut self, _input: usize, _batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        Err(RuntimeError::Internal("WindowRankOperator is not built yet".into()))
    }
}
