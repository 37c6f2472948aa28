//! The byte encoding of state in checkpoints (operators' and sources' alike): fixed-width little-endian numbers and
//! length-prefixed bytes, behind a version byte that each writer chooses. It is Sluice's
//! own and stays readable by later versions (unlike `arrow-row` bytes, which may change
//! between arrow releases). Columns of values (keys, rows held in state, values kept by
//! aggregates) are written in the Arrow IPC stream format, whose layout is specified and
//! versioned by Arrow itself.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_buffer::{ArrowNativeType, Buffer, ScalarBuffer, ToByteSlice};
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{Field, Schema};
use sluice_types::RowKind;

use crate::ChangeBatch;

/// Builds a state blob.
#[derive(Default)]
pub struct StateWriter {
    buf: Vec<u8>,
}

impl StateWriter {
    /// A blob in encoding `version` of its writer.
    pub fn new(version: u8) -> StateWriter {
        StateWriter { buf: vec![version] }
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.buf.push(v as u8);
        self
    }

    pub fn opt_i64(&mut self, v: Option<i64>) -> &mut Self {
        self.bool(v.is_some());
        self.i64(v.unwrap_or(0))
    }

    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u64(v.len() as u64);
        self.buf.extend_from_slice(v);
        self
    }

    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }

    /// Fixed-width values (numbers of any Arrow native type) as one block.
    pub fn natives<T: ArrowNativeType>(&mut self, values: &[T]) -> &mut Self {
        self.bytes(values.to_byte_slice())
    }

    /// Flags, a byte each.
    pub fn bools(&mut self, values: impl IntoIterator<Item = bool>) -> &mut Self {
        let bytes: Vec<u8> = values.into_iter().map(u8::from).collect();
        self.bytes(&bytes)
    }

    /// A batch of rows, schema included, as an Arrow IPC stream.
    pub fn batch(&mut self, batch: &RecordBatch) -> Result<&mut Self, String> {
        let mut ipc = Vec::new();
        let encode = |ipc: &mut Vec<u8>| -> Result<(), arrow_schema::ArrowError> {
            let mut writer = StreamWriter::try_new(ipc, &batch.schema())?;
            writer.write(batch)?;
            writer.finish()
        };
        encode(&mut ipc).map_err(|e| format!("cannot encode state columns: {e}"))?;
        self.u64(batch.num_rows() as u64);
        Ok(self.bytes(&ipc))
    }

    /// Columns of equal length `rows` (named by position), as `batch` writes them.
    pub fn columns(&mut self, columns: &[ArrayRef], rows: usize) -> Result<&mut Self, String> {
        let fields: Vec<Field> =
            columns.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        let batch = RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns.to_vec(), &options)
            .map_err(|e| format!("cannot encode state columns: {e}"))?;
        self.batch(&batch)
    }

    /// A batch of changes: its rows and, when not all inserts, each row's kind.
    pub fn change_batch(&mut self, batch: &ChangeBatch) -> Result<&mut Self, String> {
        self.bool(batch.kinds.is_some());
        if let Some(kinds) = &batch.kinds {
            let kinds: Vec<i8> = kinds.iter().map(|k| *k as i8).collect();
            self.natives(&kinds);
        }
        self.batch(&batch.data)
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads a blob `StateWriter` made. Every read checks the length, so a truncated or
/// foreign file is an error, never a panic.
pub struct StateReader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'a str,
}

impl<'a> StateReader<'a> {
    /// Opens `buf`, whose first byte must be one of `versions`; returns the version.
    pub fn open(buf: &'a [u8], what: &'a str, versions: &[u8]) -> Result<(StateReader<'a>, u8), String> {
        let Some(&version) = buf.first() else { return Err(format!("the saved state of {what} is empty")) };
        if !versions.contains(&version) {
            return Err(format!("the saved state of {what} has encoding version {version}, which this Sluice cannot read"));
        }
        Ok((StateReader { buf, pos: 1, what }, version))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        let Some(end) = end else { return Err(format!("the saved state of {} is truncated", self.what)) };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub fn u64(&mut self) -> Result<u64, String> {
        let bytes = self.take(8)?;
        Ok(u64::from_le_bytes(bytes.try_into().map_err(|_| "an 8-byte slice".to_string())?))
    }

    pub fn i64(&mut self) -> Result<i64, String> {
        Ok(self.u64()? as i64)
    }

    pub fn bool(&mut self) -> Result<bool, String> {
        Ok(self.take(1)?[0] != 0)
    }

    pub fn opt_i64(&mut self) -> Result<Option<i64>, String> {
        let some = self.bool()?;
        let v = self.i64()?;
        Ok(some.then_some(v))
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = self.u64()?;
        let len = usize::try_from(len).map_err(|_| format!("the saved state of {} is corrupt", self.what))?;
        self.take(len)
    }

    pub fn str(&mut self) -> Result<&'a str, String> {
        let bytes = self.bytes()?;
        std::str::from_utf8(bytes).map_err(|_| format!("the saved state of {} holds a text that is not UTF-8", self.what))
    }

    /// Values `natives` wrote.
    pub fn natives<T: ArrowNativeType>(&mut self) -> Result<Vec<T>, String> {
        let bytes = self.bytes()?;
        let width = std::mem::size_of::<T>();
        if bytes.len() % width != 0 {
            return Err(format!("the saved state of {} is corrupt (a block of {} bytes)", self.what, bytes.len()));
        }
        // Copied into an aligned buffer: the blob itself has no alignment.
        let values = ScalarBuffer::<T>::new(Buffer::from(bytes), 0, bytes.len() / width);
        Ok(values.to_vec())
    }

    /// Flags `bools` wrote.
    pub fn bools(&mut self) -> Result<Vec<bool>, String> {
        Ok(self.bytes()?.iter().map(|b| *b != 0).collect())
    }

    /// The batch `batch` wrote, checked as Arrow's reader checks IPC data.
    pub fn batch(&mut self) -> Result<RecordBatch, String> {
        let rows = self.u64()?;
        let ipc = self.bytes()?;
        let corrupt = |e: String| format!("the saved state of {} holds unreadable columns: {e}", self.what);
        let mut reader = StreamReader::try_new(ipc, None).map_err(|e| corrupt(e.to_string()))?;
        let schema = reader.schema();
        let batch = match reader.next() {
            Some(batch) => batch.map_err(|e| corrupt(e.to_string()))?,
            None => RecordBatch::new_empty(schema),
        };
        if reader.next().is_some() || batch.num_rows() as u64 != rows {
            return Err(corrupt(format!("expected one batch of {rows} rows")));
        }
        Ok(batch)
    }

    /// The batch `change_batch` wrote.
    pub fn change_batch(&mut self) -> Result<ChangeBatch, String> {
        let kinds = if self.bool()? {
            let kinds: Option<Vec<RowKind>> = self.natives::<i8>()?.into_iter().map(RowKind::from_i8).collect();
            Some(kinds.ok_or_else(|| format!("the saved state of {} holds an unknown row kind", self.what))?)
        } else {
            None
        };
        let data = self.batch()?;
        match kinds {
            None => Ok(ChangeBatch::inserts(data)),
            Some(kinds) if kinds.len() == data.num_rows() => Ok(ChangeBatch { data, kinds: Some(kinds.into()) }),
            Some(_) => Err(format!("the saved state of {} has row kinds that do not fit its rows", self.what)),
        }
    }

    /// Columns `columns` wrote, with their row count.
    pub fn columns(&mut self) -> Result<(Vec<ArrayRef>, usize), String> {
        let batch = self.batch()?;
        Ok((batch.columns().to_vec(), batch.num_rows()))
    }

    /// Fails unless every byte was read.
    pub fn end(&self) -> Result<(), String> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(format!("the saved state of {} has {} bytes too many", self.what, self.buf.len() - self.pos))
        }
    }
}

/// The saved state of a source whose position is one number (records produced, the
/// next row of a sequence).
pub fn position_state(position: u64) -> Vec<u8> {
    let mut w = StateWriter::new(1);
    w.u64(position);
    w.finish()
}

/// The number `position_state` saved.
pub fn read_position_state(bytes: &[u8], what: &str) -> Result<u64, String> {
    let (mut r, _) = StateReader::open(bytes, what, &[1])?;
    let position = r.u64()?;
    r.end()?;
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_truncation_and_other_versions() {
        let mut w = StateWriter::new(1);
        w.u64(7).i64(-3).bool(true).opt_i64(None).opt_i64(Some(5)).str("topic").bytes(&[1, 2]);
        let blob = w.finish();
        let (mut r, v) = StateReader::open(&blob, "t", &[1]).unwrap();
        assert_eq!(v, 1);
        assert_eq!(r.u64().unwrap(), 7);
        assert_eq!(r.i64().unwrap(), -3);
        assert!(r.bool().unwrap());
        assert_eq!(r.opt_i64().unwrap(), None);
        assert_eq!(r.opt_i64().unwrap(), Some(5));
        assert_eq!(r.str().unwrap(), "topic");
        assert_eq!(r.bytes().unwrap(), &[1, 2]);
        r.end().unwrap();

        for cut in 0..blob.len() {
            let Ok((mut r, _)) = StateReader::open(&blob[..cut], "t", &[1]) else { continue };
            let read = (|| -> Result<(), String> {
                r.u64()?;
                r.i64()?;
                r.bool()?;
                r.opt_i64()?;
                r.opt_i64()?;
                r.str()?;
                r.bytes()?;
                r.end()
            })();
            assert!(read.is_err(), "a blob cut at {cut} was read whole");
        }
        assert!(StateReader::open(&blob, "t", &[2]).is_err());

        let strings: ArrayRef = Arc::new(arrow_array::StringArray::from(vec![Some("a"), None, Some("ccc")]));
        let mut w = StateWriter::new(1);
        w.natives(&[1.5f64, -2.0]).bools([true, false]).columns(std::slice::from_ref(&strings), 3).unwrap();
        w.columns(&[], 4).unwrap();
        let blob = w.finish();
        let (mut r, _) = StateReader::open(&blob, "t", &[1]).unwrap();
        assert_eq!(r.natives::<f64>().unwrap(), vec![1.5, -2.0]);
        assert_eq!(r.bools().unwrap(), vec![true, false]);
        let (columns, rows) = r.columns().unwrap();
        assert_eq!((columns[0].as_ref(), rows), (strings.as_ref(), 3));
        let (columns, rows) = r.columns().unwrap();
        assert_eq!((columns.len(), rows), (0, 4));
        r.end().unwrap();
        for cut in 1..blob.len() {
            let (mut r, _) = StateReader::open(&blob[..cut], "t", &[1]).unwrap();
            let read = (|| -> Result<(), String> {
                r.natives::<f64>()?;
                r.bools()?;
                r.columns()?;
                r.columns()?;
                r.end()
            })();
            assert!(read.is_err(), "a blob cut at {cut} was read whole");
        }
        // A length past the end is an error, not an allocation.
        let mut w = StateWriter::new(1);
        w.u64(u64::MAX);
        assert!(StateReader::open(&w.finish(), "t", &[1]).unwrap().0.bytes().is_err());
    }
}
