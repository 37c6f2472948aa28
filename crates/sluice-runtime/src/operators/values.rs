use sluice_connector_api::state::{position_state, read_position_state};
use sluice_connector_api::{ChangeBatch, ConnectorError, SourcePoll, SourceReader, SourceStats};

use arrow_array::RecordBatch;

/// `VALUES (..), (..)`: a bounded source of rows computed at planning time.
pub struct ValuesSource {
    batch: Option<RecordBatch>,
    rows: u64,
}

impl ValuesSource {
    pub fn new(batch: RecordBatch) -> Self {
        ValuesSource { batch: Some(batch), rows: 0 }
    }
}

impl SourceReader for ValuesSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        Ok(match self.batch.take() {
            Some(b) => {
                self.rows = b.num_rows() as u64;
                SourcePoll::Batch(ChangeBatch::inserts(b))
            }
            None => SourcePoll::Finished,
        })
    }

    fn stats(&self) -> SourceStats {
        SourceStats { records: self.rows, ..Default::default() }
    }

    /// Whether the rows were produced (1) or not yet (0).
    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        Ok(position_state(u64::from(self.batch.is_none())))
    }

    fn restore(&mut self, position: &[u8]) -> Result<(), ConnectorError> {
        if read_position_state(position, "VALUES").map_err(ConnectorError::External)? > 0 {
            self.batch = None;
        }
        Ok(())
    }
}
