//! Fixtures for Sluice's integration tests that need real services. Each fixture starts
//! its own server process on a free loopback port and stops it when dropped, so tests
//! run in parallel without sharing state.
//!
//! - `KafkaBroker`: Apache Kafka itself, a single-node KRaft broker in one JVM (Java 17),
//!   from the jars `scripts/services.sh` copies from Maven Central into
//!   `~/.cache/sluice-tools` (`SLUICE_KAFKA_LIBS` names another folder). `sluice bench
//!   --kafka` starts one too, tuned for throughput.
//! - `Postgres`: a PostgreSQL server from Debian's `postgresql` package, in a temp folder
//!   (`SLUICE_PG_BIN` names the folder of `initdb` and `pg_ctl`).
//! - `OpenSearch`: `osmem-server`, an in-memory OpenSearch-compatible server from PyPI
//!   (`SLUICE_OSMEM` names the binary; `scripts/services.sh` installs it).
//! - `HttpsProxy`: TLS and basic authentication in front of `osmem-server`, which has
//!   neither (a stand-in for a managed OpenSearch's HTTPS endpoint).
//! - `S3Server`: SeaweedFS (`weed server -s3`), an S3-compatible object store built by
//!   `scripts/services.sh` from the Go module proxy (`SLUICE_WEED` names the binary), for
//!   checkpoints in `s3://` buckets.
//! - `Certificates`: a CA, a server and a client certificate made with `openssl` (and
//!   Java stores made with `keytool`), for the tests of secure connections.
//!
//! A missing service binary fails the test with a message that says how to install it:
//! a test that cannot reach its service must not pass silently.

mod https_proxy;
mod kafka;
mod opensearch;
mod postgres;
mod process;
mod s3;
mod tls;

pub use https_proxy::HttpsProxy;
pub use kafka::{kafka_libs, KafkaBroker, Tuning};
pub use opensearch::OpenSearch;
pub use self::postgres::{Postgres, TLS_PASSWORD, TLS_USER};
pub use process::{free_port, spawn_tied, tool_path};
pub use s3::{S3Server, S3_ACCESS_KEY, S3_SECRET_KEY};
pub use tls::{Certificates, STORE_PASSWORD};
