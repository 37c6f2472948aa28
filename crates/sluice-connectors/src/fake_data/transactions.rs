//! Client transactions: `{"client": 2, "amount": 95, "ts": "2024-05-11 17:59:58"}`.

use rand::rngs::SmallRng;
use rand::Rng;

use super::json_text::{push_int, push_timestamp};

/// Writes one transaction. `ts` has whole seconds, so the event time returned is the
/// given one truncated to the second.
pub(crate) fn write(rng: &mut SmallRng, event_millis: i64, out: &mut Vec<u8>) -> i64 {
    let event_millis = event_millis - event_millis.rem_euclid(1000);
    out.extend_from_slice(b"{\"client\": ");
    push_int(out, rng.gen_range(1..=4));
    out.extend_from_slice(b", \"amount\": ");
    push_int(out, rng.gen_range(1..=200));
    out.extend_from_slice(b", \"ts\": ");
    push_timestamp(out, event_millis, false);
    out.push(b'}');
    event_millis
}
