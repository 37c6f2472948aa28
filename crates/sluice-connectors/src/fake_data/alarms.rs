//! Network alarms (Netcool style):
//! `{"alarm_id": "A00079", "atoll_id": "ATL006", "alarm_type": "LinkDown", "severity": 1,
//! "event_time": "2021-10-11 12:52:59.534", "firstoccurrence": "...", "lastoccurrence": "...",
//! "latitude": 0.98804, "longitude": 165.78752}`.

use rand::rngs::SmallRng;
use rand::Rng;

use super::json_text::{push_fixed, push_int, push_str, push_timestamp};

pub const ALARM_TYPES: [&str; 5] = ["LinkDown", "PowerFailure", "HighTemperature", "PacketLoss", "FanFailure"];
/// Atolls are `ATL001` to `ATL040`.
pub const ATOLLS: u32 = 40;

/// How far event time moves before the next alarm, in microseconds: uniform around the
/// mean `step` (from 1/23 to 45/23 of it, 200 ms to 9 s for the default 4.6 s), and in
/// 0.4% of cases a quiet gap of 11 to 25 minutes, so that session windows close.
pub(crate) fn next_gap_micros(rng: &mut SmallRng, step_micros: i64) -> i64 {
    if rng.gen_bool(0.004) {
        return rng.gen_range(660_000_000..=1_500_000_000);
    }
    let low = (step_micros / 23).max(0);
    let high = (step_micros * 45 / 23).max(low);
    rng.gen_range(low..=high)
}

fn push_code(out: &mut Vec<u8>, prefix: &[u8], value: u32, width: usize) {
    out.push(b'"');
    out.extend_from_slice(prefix);
    let mut buf = itoa::Buffer::new();
    let text = buf.format(value);
    for _ in text.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Writes one alarm raised at `base_millis` and reported with event time `event_millis`;
/// returns the event time.
pub(crate) fn write(rng: &mut SmallRng, base_millis: i64, event_millis: i64, out: &mut Vec<u8>) -> i64 {
    out.extend_from_slice(b"{\"alarm_id\": ");
    push_code(out, b"A", rng.gen_range(0..=300), 5);
    out.extend_from_slice(b", \"atoll_id\": ");
    push_code(out, b"ATL", rng.gen_range(1..=ATOLLS), 3);
    out.extend_from_slice(b", \"alarm_type\": ");
    push_str(out, ALARM_TYPES[rng.gen_range(0..ALARM_TYPES.len())]);
    out.extend_from_slice(b", \"severity\": ");
    push_int(out, rng.gen_range(1..=5));
    out.extend_from_slice(b", \"event_time\": ");
    push_timestamp(out, event_millis, true);
    let first = base_millis - rng.gen_range(0..=600_000);
    let last = first + rng.gen_range(0..=3_600_000);
    out.extend_from_slice(b", \"firstoccurrence\": ");
    push_timestamp(out, first, true);
    out.extend_from_slice(b", \"lastoccurrence\": ");
    push_timestamp(out, last, true);
    out.extend_from_slice(b", \"latitude\": ");
    push_fixed(out, rng.gen_range(-1_000_000..=1_000_000), 5);
    out.extend_from_slice(b", \"longitude\": ");
    push_fixed(out, rng.gen_range(16_000_000..=18_000_000), 5);
    out.push(b'}');
    event_millis
}
