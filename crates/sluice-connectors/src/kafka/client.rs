//! librdkafka clients for Sluice: the configuration from a table's `properties.*`, a
//! client context that makes a broker outage visible on stderr (at most one line every
//! few seconds) and notices when the brokers answer again, and the start-up metadata
//! check that names the topic and servers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::metadata::Metadata;
use rdkafka::types::RDKafkaRespErr;
use sluice_connector_api::ConnectorError;

use super::config::{KafkaConfig, Topics};

/// How long start-up waits for the cluster's metadata.
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(10);
/// The shortest time between two "broker down" lines.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// Shared by the client's callbacks: whether the brokers are down, and when that was
/// last said.
pub struct ClientHealth {
    servers: String,
    down: AtomicBool,
    /// librdkafka said "all brokers are down" and no broker has been seen up since. The
    /// source pauses its partitions while this holds (see `KafkaSource`).
    all_down: AtomicBool,
    last_log: Mutex<Option<Instant>>,
    /// librdkafka's last word on a failed login, which its request errors only report as
    /// a broken transport.
    auth_error: Mutex<Option<LoginFailure>>,
}

/// Why a client could not log in: its SASL credentials, or the TLS handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    Sasl(String),
    Tls(String),
}

impl ClientHealth {
    pub fn new(servers: &str) -> Arc<ClientHealth> {
        Arc::new(ClientHealth {
            servers: servers.to_string(),
            down: AtomicBool::new(false),
            all_down: AtomicBool::new(false),
            last_log: Mutex::new(None),
            auth_error: Mutex::new(None),
        })
    }

    /// Why the last login failed, if one did.
    pub fn auth_error(&self) -> Option<LoginFailure> {
        self.auth_error.lock().ok().and_then(|e| e.clone())
    }

    fn record_auth_error(&self, failure: LoginFailure) {
        if let Ok(mut last) = self.auth_error.lock() {
            *last = Some(failure);
        }
    }

    /// Whether every broker was unreachable when last heard of.
    pub fn all_down(&self) -> bool {
        self.all_down.load(Ordering::Relaxed)
    }

    fn report_down(&self, reason: &str, all: bool) {
        self.down.store(true, Ordering::Relaxed);
        if all {
            self.all_down.store(true, Ordering::Relaxed);
        }
        let Ok(mut last) = self.last_log.lock() else { return };
        if last.is_some_and(|t| t.elapsed() < LOG_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        tracing::warn!(target: "sluice::kafka", "kafka: cannot reach the brokers at {} ({reason}); retrying", self.servers);
    }

    /// Called when the client got something from a broker: logs the recovery once.
    pub fn report_up(&self) {
        self.all_down.store(false, Ordering::Relaxed);
        if self.down.swap(false, Ordering::Relaxed) {
            if let Ok(mut last) = self.last_log.lock() {
                *last = None;
            }
            tracing::info!(target: "sluice::kafka", "kafka: the brokers at {} are reachable again", self.servers);
        }
    }
}

/// The client context of Sluice's consumers and producers.
pub struct SluiceContext {
    pub health: Arc<ClientHealth>,
    /// For producers: the first few delivery failures, drained by the sink.
    pub delivery_errors: Mutex<Vec<String>>,
    /// For producers: how many messages failed since the sink last looked.
    pub failed: AtomicU64,
    /// For consumers: the lag per topic and partition, from the last statistics.
    pub lag: Mutex<Vec<(String, i32, i64)>>,
}

impl SluiceContext {
    pub fn new(servers: &str) -> SluiceContext {
        SluiceContext {
            health: ClientHealth::new(servers),
            delivery_errors: Mutex::new(Vec::new()),
            failed: AtomicU64::new(0),
            lag: Mutex::new(Vec::new()),
        }
    }
}

impl ClientContext for SluiceContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        // librdkafka's own log lines are too chatty for a job's stderr; outages are
        // reported through `error` below. The exception: librdkafka moved a partition's
        // position because its offset no longer exists on the broker (`auto.offset.reset`),
        // which skips or re-reads messages and must not go unnoticed.
        let warning = matches!(
            level,
            RDKafkaLogLevel::Emerg
                | RDKafkaLogLevel::Alert
                | RDKafkaLogLevel::Critical
                | RDKafkaLogLevel::Error
                | RDKafkaLogLevel::Warning
        );
        if warning && fac == "OFFSET" {
            tracing::warn!(target: "sluice::kafka", "kafka: {message}");
        }
        // A failed login is logged by the broker thread as it happens; requests only
        // see a broken transport. librdkafka's text names the mechanism, never the secret.
        if warning && (message.contains("SASL authentication error") || message.contains("Authentication failed")) {
            let reason = message.split_once(": ").map(|(_, r)| r).unwrap_or(message);
            self.health.record_auth_error(LoginFailure::Sasl(reason.trim().to_string()));
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        match error.rdkafka_error_code() {
            Some(RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SaslAuthenticationFailed) => {
                self.health.record_auth_error(LoginFailure::Sasl(reason.trim().to_string()))
            }
            Some(RDKafkaErrorCode::AllBrokersDown) => self.health.report_down("all brokers are down", true),
            // A refused handshake is a transport failure to librdkafka; it is a login
            // failure to the user, and retrying will not mend it.
            Some(RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::SSL) if reason.contains("SSL") => {
                self.health.record_auth_error(LoginFailure::Tls(reason.trim().to_string()))
            }
            Some(RDKafkaErrorCode::BrokerTransportFailure) | Some(RDKafkaErrorCode::Resolve) => {
                self.health.report_down(reason, false)
            }
            _ => {}
        }
    }

    /// librdkafka's statistics (every `statistics.interval.ms`, which consumers set) are
    /// the only news of a broker connection coming back when no message arrives. Only
    /// brokers have an upper-case `state`; "UP" means connected and serving requests.
    fn stats_raw(&self, statistics: &[u8]) {
        const UP: &[u8] = b"\"state\":\"UP\"";
        if self.health.down.load(Ordering::Relaxed) && statistics.windows(UP.len()).any(|w| w == UP) {
            self.health.report_up();
        }
        if let Some(lag) = partition_lag(statistics) {
            *self.lag.lock().unwrap_or_else(|p| p.into_inner()) = lag;
        }
    }
}

impl ConsumerContext for SluiceContext {}

/// The lag of each assigned partition in librdkafka's statistics: the last stable offset
/// (the high watermark when there is none) minus the position the application has read
/// to. Partitions without both are left out; `None` when the text is not statistics.
fn partition_lag(statistics: &[u8]) -> Option<Vec<(String, i32, i64)>> {
    let stats: serde_json::Value = serde_json::from_slice(statistics).ok()?;
    let mut lag = Vec::new();
    for (topic, t) in stats.get("topics")?.as_object()? {
        let Some(partitions) = t.get("partitions").and_then(|p| p.as_object()) else { continue };
        for (partition, p) in partitions {
            let Ok(partition) = partition.parse::<i32>() else { continue };
            let offset = |key: &str| p.get(key).and_then(|v| v.as_i64()).filter(|v| *v >= 0);
            let end = offset("ls_offset").or_else(|| offset("hi_offset"));
            if let (true, Some(end), Some(read)) = (partition >= 0, end, offset("app_offset")) {
                lag.push((topic.clone(), partition, (end - read).max(0)));
            }
        }
    }
    lag.sort();
    Some(lag)
}

/// The librdkafka configuration of a table: every `properties.*` key as is, plus
/// Sluice's defaults where the user set nothing.
pub fn client_config(config: &KafkaConfig, defaults: &[(&str, &str)]) -> ClientConfig {
    let mut cc = ClientConfig::new();
    for (k, v) in defaults {
        cc.set(*k, *v);
    }
    for (k, v) in &config.properties {
        // Java's `auto.offset.reset=none` is librdkafka's `error`.
        if k == "auto.offset.reset" && v.eq_ignore_ascii_case("none") {
            cc.set(k, "error");
        } else {
            cc.set(k, v);
        }
    }
    cc
}

/// Turns a librdkafka error at client creation into a user-facing one.
pub fn creation_error(config: &KafkaConfig, e: KafkaError) -> ConnectorError {
    ConnectorError::External(format!(
        "cannot create a Kafka client for {} at {}: {e}. Check the \"properties.*\" options.",
        config.topics.describe(),
        config.bootstrap_servers
    ))
}

/// One topic's partitions, from the cluster's metadata.
#[derive(Clone, Debug)]
pub struct TopicPartitions {
    pub topic: String,
    pub partitions: Vec<i32>,
}

/// The topics of `topics` and their partitions. A listed topic that does not exist, and a
/// cluster that does not answer within `timeout`, are errors naming the servers.
pub fn fetch_topics(
    consumer: &BaseConsumer<SluiceContext>,
    topics: &Topics,
    servers: &str,
    timeout: Duration,
) -> Result<Vec<TopicPartitions>, ConnectorError> {
    let unreachable = |e: KafkaError| {
        // Logs and errors wait in the client's main queue until it is polled: a failed
        // login is only known once they are served.
        let _ = consumer.poll(Duration::from_millis(100));
        unreachable_error(consumer, servers, e)
    };
    match topics {
        Topics::List(list) => {
            let mut out = Vec::with_capacity(list.len());
            for topic in list {
                let md = consumer.fetch_metadata(Some(topic), timeout).map_err(unreachable)?;
                out.push(topic_from_metadata(&md, topic, servers)?);
            }
            Ok(out)
        }
        Topics::Pattern { regex, .. } => {
            let md = consumer.fetch_metadata(None, timeout).map_err(unreachable)?;
            let mut out: Vec<TopicPartitions> = md
                .topics()
                .iter()
                .filter(|t| regex.is_match(t.name()) && t.error().is_none())
                .map(|t| TopicPartitions {
                    topic: t.name().to_string(),
                    partitions: sorted_partitions(t.partitions().iter().map(|p| p.id())),
                })
                .collect();
            out.sort_by(|a, b| a.topic.cmp(&b.topic));
            Ok(out)
        }
    }
}

/// Why the cluster could not be used: a failed login when librdkafka said so, else
/// unreachable brokers.
fn unreachable_error(consumer: &BaseConsumer<SluiceContext>, servers: &str, e: KafkaError) -> ConnectorError {
    login_error(&consumer.context().health, servers, "properties.").unwrap_or_else(|| {
        ConnectorError::External(format!(
            "cannot reach Kafka at {servers}: {e}. Check \"properties.bootstrap.servers\" and that the brokers are running."
        ))
    })
}

/// The failed login librdkafka reported to `health`, if any, as an error naming the
/// options to check (spelled with `prefix`, e.g. `properties.`).
pub fn login_error(health: &ClientHealth, servers: &str, prefix: &str) -> Option<ConnectorError> {
    Some(match health.auth_error()? {
        LoginFailure::Sasl(reason) => ConnectorError::Credentials(format!(
            "cannot log in to Kafka at {servers}: {reason}. Check the credentials ('{prefix}sasl.jaas.config', \
             or '{prefix}sasl.username' and '{prefix}sasl.password') and '{prefix}sasl.mechanism'."
        )),
        LoginFailure::Tls(reason) => ConnectorError::Credentials(format!(
            "cannot log in to Kafka at {servers}: the TLS handshake failed ({reason}). {}",
            tls_hint(&reason, prefix)
        )),
    })
}

/// What to check after a failed TLS handshake, from OpenSSL's words for it.
fn tls_hint(reason: &str, prefix: &str) -> String {
    if reason.contains("certificate verify failed") {
        format!(
            "The broker's certificate is not signed by a trusted CA: check '{prefix}ssl.truststore.location' \
             (or '{prefix}ssl.ca.location')."
        )
    } else if reason.contains("bad certificate") || reason.contains("certificate required") || reason.contains("unknown ca") {
        format!(
            "The broker refused the client certificate: check '{prefix}ssl.keystore.location' (or \
             '{prefix}ssl.certificate.location' and '{prefix}ssl.key.location')."
        )
    } else {
        format!("Check '{prefix}security.protocol' and the '{prefix}ssl.*' options.")
    }
}

fn topic_from_metadata(md: &Metadata, topic: &str, servers: &str) -> Result<TopicPartitions, ConnectorError> {
    let missing = || {
        ConnectorError::External(format!(
            "topic \"{topic}\" does not exist at {servers}. Create it, or check the \"topic\" option."
        ))
    };
    let Some(t) = md.topics().iter().find(|t| t.name() == topic) else { return Err(missing()) };
    match t.error() {
        None => {}
        Some(RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) => return Err(missing()),
        Some(e) => {
            return Err(ConnectorError::External(format!(
                "cannot read the metadata of topic \"{topic}\" at {servers}: {}",
                RDKafkaErrorCode::from(e)
            )))
        }
    }
    if t.partitions().is_empty() {
        return Err(missing());
    }
    Ok(TopicPartitions { topic: topic.to_string(), partitions: sorted_partitions(t.partitions().iter().map(|p| p.id())) })
}

fn sorted_partitions(ids: impl Iterator<Item = i32>) -> Vec<i32> {
    let mut v: Vec<i32> = ids.collect();
    v.sort_unstable();
    v
}

/// Java's `String.hashCode`, for Flink's assignment of partitions to readers.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// The reader (of `readers`) that owns a partition, as Flink's `KafkaSourceEnumerator`
/// assigns them.
pub fn split_owner(topic: &str, partition: i32, readers: usize) -> usize {
    let readers = readers.max(1) as i64;
    let start = ((java_string_hash(topic).wrapping_mul(31)) & 0x7FFF_FFFF) as i64 % readers;
    ((start + partition as i64) % readers) as usize
}

/// Runs `request` again while the group coordinator answers that it is loading, moving or
/// not there yet (a fresh cluster loads `__consumer_offsets` after its first start, and a
/// coordinator moves when a broker restarts), for up to `METADATA_TIMEOUT`. Every other
/// answer is returned as it is.
pub fn while_coordinator_moves<T>(mut request: impl FnMut() -> KafkaResult<T>) -> KafkaResult<T> {
    let deadline = Instant::now() + METADATA_TIMEOUT;
    loop {
        let result = request();
        let moving = matches!(
            result.as_ref().err().and_then(KafkaError::rdkafka_error_code),
            Some(
                RDKafkaErrorCode::NotCoordinator
                    | RDKafkaErrorCode::CoordinatorLoadInProgress
                    | RDKafkaErrorCode::CoordinatorNotAvailable
            )
        );
        if !moving || Instant::now() >= deadline {
            return result;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lag_of_a_partition_is_its_last_stable_offset_less_what_was_read() {
        let stats = br#"{"name": "c", "topics": {"events": {"partitions": {
            "0": {"partition": 0, "hi_offset": 120, "ls_offset": 100, "app_offset": 40},
            "1": {"partition": 1, "hi_offset": 7, "ls_offset": -1, "app_offset": 7},
            "2": {"partition": 2, "hi_offset": 9, "ls_offset": 9, "app_offset": -1001},
            "-1": {"partition": -1, "hi_offset": -1, "ls_offset": -1, "app_offset": -1}}}}}"#;
        assert_eq!(partition_lag(stats), Some(vec![("events".to_string(), 0, 60), ("events".to_string(), 1, 0)]));
        assert_eq!(partition_lag(b"not json"), None);
    }

    #[test]
    fn a_moving_coordinator_is_asked_again_and_other_errors_are_not() {
        let mut calls = 0;
        let got = while_coordinator_moves(|| {
            calls += 1;
            match calls {
                1 => Err(KafkaError::MetadataFetch(RDKafkaErrorCode::NotCoordinator)),
                2 => Err(KafkaError::MetadataFetch(RDKafkaErrorCode::CoordinatorLoadInProgress)),
                _ => Ok(calls),
            }
        });
        assert_eq!(got.ok(), Some(3));

        let mut calls = 0;
        let got: KafkaResult<()> = while_coordinator_moves(|| {
            calls += 1;
            Err(KafkaError::MetadataFetch(RDKafkaErrorCode::UnknownTopicOrPartition))
        });
        assert!(got.is_err());
        assert_eq!(calls, 1);
    }
}
