//! JSON records into Arrow: any bytes decode into a row or are refused with a reason,
//! never a panic, and a refused record leaves no half row behind.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_formats::{JsonDecoder, JsonOptions};

#[path = "formats.rs"]
mod formats;

fuzz_target!(|data: &[u8]| {
    let columns = formats::columns(true);
    let mut decoder = JsonDecoder::new(&columns, &JsonOptions::default()).expect("a decoder for these columns");
    let mut accepted = 0;
    for record in data.split(|b| *b == b'\n') {
        if decoder.decode(record).is_ok() {
            accepted += 1;
        }
    }
    assert_eq!(decoder.num_rows(), accepted);
    if let Ok(arrays) = decoder.flush() {
        assert!(arrays.iter().all(|a| a.len() == accepted));
    }
});
