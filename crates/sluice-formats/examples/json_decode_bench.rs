//! Decodes and re-encodes 2,000,000 IoT JSON lines held in memory and prints rows per
//! second for each step. Run with `cargo run --release -p sluice-formats --example
//! json_decode_bench`.

use std::sync::Arc;
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use sluice_formats::framing::find_newline;
use sluice_formats::{JsonDecoder, JsonEncoder, JsonOptions};
use sluice_types::DataType;

const ROWS: usize = 2_000_000;
const BATCH: usize = 8192;

fn main() {
    let hosts = ["dopey", "sleepy", "happy", "doc", "grumpy", "bashful", "sneezy"];
    let mut input = Vec::with_capacity(ROWS * 90);
    let mut seed: u64 = 42;
    for i in 0..ROWS {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let usage = (seed >> 33) % 100_000;
        let line = format!(
            "{{\"hostname\":\"{}\",\"cpu\":\"cpu{}\",\"usage\":{}.{:03},\"occurred_at\":{}}}\n",
            hosts[i % hosts.len()],
            (seed >> 20) % 8,
            usage / 1000,
            usage % 1000,
            1_633_956_773_100u64 + i as u64 * 100
        );
        input.extend_from_slice(line.as_bytes());
    }
    let columns = vec![
        ("hostname".to_string(), DataType::string()),
        ("cpu".to_string(), DataType::string()),
        ("usage".to_string(), DataType::double()),
        ("occurred_at".to_string(), DataType::bigint()),
    ];
    let schema = Arc::new(Schema::new(columns.iter().map(|(n, t)| t.to_field(n)).collect::<Vec<_>>()));
    let opts = JsonOptions::default();
    let mut decoder = JsonDecoder::new(&columns, &opts).expect("decoder");

    let started = Instant::now();
    let mut batches = Vec::new();
    let mut rest = &input[..];
    while let Some(k) = find_newline(rest) {
        decoder.decode(&rest[..k]).expect("valid line");
        rest = &rest[k + 1..];
        if decoder.num_rows() == BATCH {
            batches.push(RecordBatch::try_new(schema.clone(), decoder.flush().expect("flush")).expect("batch"));
        }
    }
    if decoder.num_rows() > 0 {
        batches.push(RecordBatch::try_new(schema.clone(), decoder.flush().expect("flush")).expect("batch"));
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "decode: {ROWS} rows, {:.1} MB in {:.3} s = {:.2} M rows/s, {:.0} MB/s",
        input.len() as f64 / 1e6,
        secs,
        ROWS as f64 / secs / 1e6,
        input.len() as f64 / secs / 1e6
    );

    let mut encoder = JsonEncoder::new(&columns, &opts).expect("encoder");
    // As the file sink does: one reused buffer, written out (here: counted) per batch.
    let mut out = Vec::with_capacity(4 << 20);
    let mut written = 0usize;
    let started = Instant::now();
    for b in &batches {
        encoder.encode(b, &mut out).expect("encode");
        written += out.len();
        out.clear();
    }
    let secs = started.elapsed().as_secs_f64();
    println!("encode: {ROWS} rows in {secs:.3} s = {:.2} M rows/s", ROWS as f64 / secs / 1e6);
    assert!(written > input.len() / 2, "the encoder wrote the rows");
}
