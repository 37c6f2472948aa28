//! Frames between the engine and a worker: a tag byte, a little-endian u32 length, the
//! payload (JSON, or an Arrow IPC stream of one batch). See `python/sluice_udf_worker.py`.

use std::io::{self, Read, Write};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, Schema};

pub(crate) const DESCRIBE: u8 = b'D';
pub(crate) const SCHEMA: u8 = b'S';
pub(crate) const READY: u8 = b'R';
pub(crate) const BATCH: u8 = b'B';
pub(crate) const ERROR: u8 = b'E';

pub(crate) fn write_frame(out: &mut impl Write, tag: u8, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| io::Error::other("a batch of more than 4 GiB"))?;
    let mut header = [0u8; 5];
    header[0] = tag;
    header[1..].copy_from_slice(&len.to_le_bytes());
    out.write_all(&header)?;
    out.write_all(payload)?;
    out.flush()
}

/// The next frame, or `None` at end of stream.
pub(crate) fn read_frame(input: &mut impl Read) -> io::Result<Option<(u8, Vec<u8>)>> {
    let mut header = [0u8; 5];
    match input.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes([header[1], header[2], header[3], header[4]]) as usize;
    let mut payload = vec![0u8; len];
    input.read_exact(&mut payload)?;
    Ok(Some((header[0], payload)))
}

pub(crate) fn encode_batch(batch: &RecordBatch) -> Result<Vec<u8>, ArrowError> {
    let mut out = Vec::new();
    let mut writer = StreamWriter::try_new(&mut out, batch.schema_ref())?;
    writer.write(batch)?;
    writer.finish()?;
    drop(writer);
    Ok(out)
}

pub(crate) fn encode_schema(schema: &Schema) -> Result<Vec<u8>, ArrowError> {
    let mut out = Vec::new();
    let mut writer = StreamWriter::try_new(&mut out, schema)?;
    writer.finish()?;
    drop(writer);
    Ok(out)
}

pub(crate) fn decode_batch(payload: Vec<u8>) -> Result<RecordBatch, ArrowError> {
    let mut reader = StreamReader::try_new(io::Cursor::new(payload), None)?;
    match reader.next() {
        Some(batch) => batch,
        None => Ok(RecordBatch::new_empty(Arc::new(Schema::empty()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field};

    #[test]
    fn frames_and_batches_round_trip() {
        let schema = Arc::new(Schema::new(vec![Field::new("a0", DataType::Int64, true)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![Some(1), None]))]).unwrap();
        let mut pipe = Vec::new();
        write_frame(&mut pipe, BATCH, &encode_batch(&batch).unwrap()).unwrap();
        write_frame(&mut pipe, READY, b"").unwrap();
        let mut input = io::Cursor::new(pipe);
        let (tag, payload) = read_frame(&mut input).unwrap().unwrap();
        assert_eq!(tag, BATCH);
        assert_eq!(decode_batch(payload).unwrap(), batch);
        assert_eq!(read_frame(&mut input).unwrap(), Some((READY, Vec::new())));
        assert_eq!(read_frame(&mut input).unwrap(), None);
    }

    #[test]
    fn a_truncated_frame_is_an_error_not_a_panic() {
        let mut input = io::Cursor::new(vec![BATCH, 10, 0, 0, 0, 1, 2]);
        assert!(read_frame(&mut input).is_err());
    }
}
