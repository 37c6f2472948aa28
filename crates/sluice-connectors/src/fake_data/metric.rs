//! IoT CPU samples: `{"hostname":"dopey","cpu":"cpu4","usage":78.885,"occurred_at":1633956773100}`.

use rand::rngs::SmallRng;
use rand::Rng;

use super::json_text::{push_fixed, push_int, push_str};

/// The seed hosts; the seed thresholds table has one row for each.
pub const HOSTNAMES: [&str; 7] = ["doc", "grumpy", "sleepy", "bashful", "happy", "sneezy", "dopey"];
const CPUS: [&str; 5] = ["cpu1", "cpu2", "cpu3", "cpu4", "cpu5"];

/// A usage in thousandths of a percent, Beta(5, 2) distributed like the seed data: mostly
/// busy, with about 11% of samples above 90. Beta(5, 2) is the second largest of six
/// uniform draws.
fn usage_millis(rng: &mut SmallRng) -> i64 {
    let (mut largest, mut second) = (0.0f64, 0.0f64);
    for _ in 0..6 {
        let u: f64 = rng.gen();
        if u > largest {
            second = largest;
            largest = u;
        } else if u > second {
            second = u;
        }
    }
    (second * 100_000.0).round() as i64
}

/// Writes one sample with the given event time; returns that time.
pub(crate) fn write(rng: &mut SmallRng, event_millis: i64, out: &mut Vec<u8>) -> i64 {
    out.extend_from_slice(b"{\"hostname\":");
    push_str(out, HOSTNAMES[rng.gen_range(0..HOSTNAMES.len())]);
    out.extend_from_slice(b",\"cpu\":");
    push_str(out, CPUS[rng.gen_range(0..CPUS.len())]);
    out.extend_from_slice(b",\"usage\":");
    push_fixed(out, usage_millis(rng), 3);
    out.extend_from_slice(b",\"occurred_at\":");
    push_int(out, event_millis);
    out.push(b'}');
    event_millis
}
