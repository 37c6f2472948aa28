//! The `fake-data` connector: Sluice's own generator of the four seed data sets (pizza
//! orders, IoT CPU metrics, client transactions, network alarms), so that every seed
//! pipeline runs without Kafka.
//!
//! Records are written as JSON lines in exactly the shape of the seed producers by the
//! pure `FakeDataGenerator` (reused by `sluice gen` and the benchmark), then decoded into
//! the table's columns by the JSON format, so any schema over the fields works.

mod alarms;
mod generator;
mod json_text;
mod metric;
mod pizza;
mod subject;
mod transactions;

pub use generator::{FakeDataGenerator, GeneratorSettings};
pub use subject::Subject;

#[cfg(test)]
mod tests;
