//! What stands in, on the subtasks other than the first, for a source that cannot be
//! split across instances (`VALUES`, a connector that reads everything in each reader)
//! and for a sink that needs one writer (`print`, a query's printed result): a source
//! that has ended before it began, and a sink that is given no rows, since its exchange
//! sends every row to the first instance.

use sluice_connector_api::{ChangeBatch, ConnectorError, SinkWriter, SourcePoll, SourceReader};

/// A source instance with nothing to read.
pub struct EmptySource;

impl SourceReader for EmptySource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        Ok(SourcePoll::Finished)
    }

    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        Ok(Vec::new())
    }

    fn restore(&mut self, _position: &[u8]) -> Result<(), ConnectorError> {
        Ok(())
    }
}

/// A sink instance whose rows all go to another instance.
pub struct SpareSink;

impl SinkWriter for SpareSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        Err(ConnectorError::External(format!(
            "{} rows reached a spare sink instance; a sink with one writer takes rows only on the first",
            batch.num_rows()
        )))
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
}
