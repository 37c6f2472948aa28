//! Fixtures for Sluice's integration tests that need real services. Each fixture starts
//! its own server process on a free loopback port and stops it when dropped, so tests
//! run in parallel without sharing state.
//!
//! - `KafkaBroker`: a `tansu` broker (a Kafka-protocol broker written in Rust) with
//!   in-memory storage. `scripts/test.sh` installs `tansu` into `~/.cache/sluice-tools`;
//!   `SLUICE_TANSU` names another binary.
//!
//! - `Postgres`: a PostgreSQL server from Debian's `postgresql` package, in a temp folder
//!   (`SLUICE_PG_BIN` names the folder of `initdb` and `pg_ctl`).
//! - `OpenSearch`: `osmem-server`, an in-memory OpenSearch-compatible server from PyPI
//!   (`SLUICE_OSMEM` names the binary; `scripts/services.sh` installs it).
//!
//! A missing service binary fails the test with a message that says how to install it:
//! a test that cannot reach its service must not pass silently.

mod kafka;
mod opensearch;
mod postgres;
mod process;

pub use kafka::KafkaBroker;
pub use opensearch::OpenSearch;
pub use self::postgres::Postgres;
pub use process::{free_port, tool_path};
