//! `--dry-run`: the records as JSON lines on stdout instead of Kafka, at the same rate
//! and count, so a user can see the data (or pipe it into a file) without a broker.

use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use sluice_connectors::fake_data::FakeDataGenerator;

use super::progress::{Counts, Progress};
use super::rate::{Grant, TokenBucket};
use super::BATCH;

/// Writes `count` records (0: until stopped) and returns how many were written. A
/// closed stdout (as under `| head`) ends the run normally.
pub fn write_lines(
    generator: &mut FakeDataGenerator,
    rate: u64,
    count: u64,
    stop: &AtomicBool,
    progress: &mut Progress,
) -> io::Result<u64> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut bucket = TokenBucket::new(rate, Instant::now());
    let mut record = Vec::with_capacity(512);
    let mut written = 0u64;
    while !stop.load(Ordering::Relaxed) && (count == 0 || written < count) {
        let mut batch = if count == 0 { BATCH } else { BATCH.min(count - written) };
        if let Some(bucket) = bucket.as_mut() {
            match bucket.take(batch, Instant::now()) {
                Grant::Send(n) => batch = n,
                Grant::Wait(wait) => {
                    // What is written so far is visible while the bucket refills.
                    if let Err(e) = out.flush() {
                        return closed_is_fine(e, written);
                    }
                    std::thread::sleep(wait);
                    continue;
                }
            }
        }
        for _ in 0..batch {
            record.clear();
            generator.next_record(&mut record);
            record.push(b'\n');
            if let Err(e) = out.write_all(&record) {
                return closed_is_fine(e, written);
            }
            written += 1;
        }
        progress.tick(Instant::now(), Counts { sent: written, delivered: None, failed: 0 });
    }
    match out.flush() {
        Ok(()) => Ok(written),
        Err(e) => closed_is_fine(e, written),
    }
}

fn closed_is_fine(error: io::Error, written: u64) -> io::Result<u64> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Ok(written)
    } else {
        Err(error)
    }
}
