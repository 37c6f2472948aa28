//! The `WITH` options of the `opensearch` and `elasticsearch-7` sinks, spelled and
//! defaulted as in Flink's connectors, parsed into an `OpenSearchConfig`.

use std::time::Duration;

use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_formats::JsonOptions;
use sluice_types::TypeKind;

use crate::options::{check_known_keys, get_parsed, invalid, parse_bool, parse_duration, parse_memory_size};

use super::index::IndexPattern;

/// The connector-level keys both flavours accept (`json.*` format keys come on top).
const KNOWN_KEYS: &[&str] = &[
    "hosts",
    "index",
    "document-id.key-delimiter",
    "username",
    "password",
    "failure-handler",
    "sink.flush-on-checkpoint",
    "sink.bulk-flush.max-actions",
    "sink.bulk-flush.max-size",
    "sink.bulk-flush.interval",
    "sink.bulk-flush.backoff.strategy",
    "sink.bulk-flush.backoff.max-retries",
    "sink.bulk-flush.backoff.delay",
    "sink.delivery-guarantee",
    "sink.parallelism",
    "connection.path-prefix",
    "connection.request-timeout",
    "connection.timeout",
    "socket.timeout",
    "allow-insecure",
    CA_OPTION,
    "format",
];

/// Sluice's option naming a PEM file of CA certificates to trust for `https://` hosts,
/// besides the system's (`SSL_CERT_FILE` works too). Flink takes these from the JVM's
/// truststore, which has no counterpart here.
pub const CA_OPTION: &str = "sluice.ssl.ca-location";

/// Which Flink connector the table names; they share everything but the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchFlavor {
    OpenSearch,
    Elasticsearch7,
}

impl SearchFlavor {
    pub fn name(self) -> &'static str {
        match self {
            SearchFlavor::OpenSearch => "opensearch",
            SearchFlavor::Elasticsearch7 => "elasticsearch-7",
        }
    }
}

/// What happens to a document the server rejects (`failure-handler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureHandler {
    /// The job fails with the server's reason.
    Fail,
    /// The document is dropped, counted and logged.
    Ignore,
    /// Documents rejected because the server is overloaded (HTTP 429) are sent again;
    /// any other rejection fails the job.
    RetryRejected,
}

/// How failed bulk requests are retried (`sink.bulk-flush.backoff.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    Disabled,
    Constant { max_retries: u32, delay: Duration },
    Exponential { max_retries: u32, delay: Duration },
}

impl Backoff {
    pub fn max_retries(self) -> u32 {
        match self {
            Backoff::Disabled => 0,
            Backoff::Constant { max_retries, .. } | Backoff::Exponential { max_retries, .. } => max_retries,
        }
    }

    /// The wait before retry number `attempt` (1-based).
    pub fn delay(self, attempt: u32) -> Duration {
        match self {
            Backoff::Disabled => Duration::ZERO,
            Backoff::Constant { delay, .. } => delay,
            Backoff::Exponential { delay, .. } => delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)),
        }
    }
}

/// The parsed options of one sink table.
#[derive(Clone, Debug)]
pub struct OpenSearchConfig {
    pub flavor: SearchFlavor,
    /// Base URLs without a trailing slash (`http://host:9200`), path prefix included.
    pub hosts: Vec<String>,
    pub index: IndexPattern,
    pub key_delimiter: String,
    /// `(username, password)` for HTTP basic authentication.
    pub credentials: Option<(String, String)>,
    pub failure_handler: FailureHandler,
    /// `None` when `sink.bulk-flush.max-actions` is `0` (or `-1`): no limit.
    pub max_actions: Option<usize>,
    /// `None` when `sink.bulk-flush.max-size` is `0`: no limit.
    pub max_bytes: Option<usize>,
    /// `None` when `sink.bulk-flush.interval` is `0`: no flushing by time.
    pub interval: Option<Duration>,
    pub backoff: Backoff,
    pub request_timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    /// How `https://` hosts are checked.
    pub tls: TlsTrust,
    pub json: JsonOptions,
    /// Indices of the primary key columns among the physical columns.
    pub key_columns: Vec<usize>,
}

impl OpenSearchConfig {
    pub fn parse(table: &TableSpec, flavor: SearchFlavor) -> Result<OpenSearchConfig, ConnectorError> {
        let name = flavor.name();
        let mut known: Vec<&str> = KNOWN_KEYS.to_vec();
        let format = table.option("format").unwrap_or("json");
        if format != "json" {
            return Err(invalid("format", format, format!("connector \"{name}\" writes documents as \"json\" only")));
        }
        known.extend(sluice_formats::format_options("json").unwrap_or(&[]));
        check_known_keys(name, &table.options, &known)?;
        let o = &table.options;

        let hosts_text = table
            .option("hosts")
            .ok_or_else(|| ConnectorError::MissingOption { connector: name.to_string(), key: "hosts".to_string() })?;
        let prefix = table.option("connection.path-prefix").unwrap_or("").trim_matches('/');
        let hosts = parse_hosts(hosts_text, prefix)?;

        let index_text = table
            .option("index")
            .ok_or_else(|| ConnectorError::MissingOption { connector: name.to_string(), key: "index".to_string() })?;
        let index = IndexPattern::parse(index_text, &table.physical_columns)?;

        let credentials = match (table.option("username"), table.option("password")) {
            (Some(u), Some(p)) if !u.is_empty() => {
                if p.is_empty() {
                    return Err(invalid("password", "", "a password is required when \"username\" is set"));
                }
                Some((u.to_string(), p.to_string()))
            }
            (Some(u), None) if !u.is_empty() => {
                return Err(ConnectorError::MissingOption { connector: name.to_string(), key: "password".to_string() })
            }
            _ => None,
        };

        let failure_handler = match table.option("failure-handler").unwrap_or("fail") {
            "fail" => FailureHandler::Fail,
            "ignore" => FailureHandler::Ignore,
            "retry-rejected" => FailureHandler::RetryRejected,
            other => {
                return Err(invalid(
                    "failure-handler",
                    other,
                    "use \"fail\", \"ignore\" or \"retry-rejected\"; Sluice cannot load a custom Java failure handler class",
                ))
            }
        };

        let max_actions = match get_parsed(o, "sink.bulk-flush.max-actions", parse_i64)?.unwrap_or(1000) {
            0 | -1 => None,
            n if n < 0 => return Err(invalid("sink.bulk-flush.max-actions", &n.to_string(), "must be at least 1, or 0 to disable it")),
            n => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        };
        let max_size = get_parsed(o, "sink.bulk-flush.max-size", parse_memory_size)?.unwrap_or(2 << 20);
        if max_size % (1 << 20) != 0 {
            let text = table.option("sink.bulk-flush.max-size").unwrap_or_default();
            return Err(invalid("sink.bulk-flush.max-size", text, "must be in MB granularity, e.g. \"2mb\""));
        }
        let max_bytes = (max_size > 0).then(|| usize::try_from(max_size).unwrap_or(usize::MAX));
        let interval = get_parsed(o, "sink.bulk-flush.interval", parse_duration)?.unwrap_or(Duration::from_secs(1));
        let interval = (!interval.is_zero()).then_some(interval);

        let backoff = parse_backoff(table)?;
        let request_timeout = get_parsed(o, "connection.request-timeout", parse_duration)?;
        let connect_timeout = get_parsed(o, "connection.timeout", parse_duration)?;
        get_parsed(o, "socket.timeout", parse_duration)?;
        get_parsed(o, "sink.flush-on-checkpoint", parse_bool)?;
        let allow_insecure = get_parsed(o, "allow-insecure", parse_bool)?.unwrap_or(false);
        let ca_pem = match table.option(CA_OPTION) {
            None => None,
            Some(path) => Some(std::fs::read(path).map_err(|e| invalid(CA_OPTION, path, format!("cannot read it: {e}")))?),
        };
        let tls = TlsTrust { allow_insecure, ca_pem };
        // Builds the TLS connector once now, so an unusable CA file fails at planning.
        tls.connector().map_err(|reason| invalid(CA_OPTION, table.option(CA_OPTION).unwrap_or(""), reason))?;
        if let Some(p) = get_parsed(o, "sink.parallelism", parse_i64)? {
            if p < 1 {
                return Err(invalid("sink.parallelism", &p.to_string(), "must be at least 1"));
            }
        }
        if let Some(g) = table.option("sink.delivery-guarantee") {
            if !matches!(g, "at-least-once" | "none") {
                return Err(invalid("sink.delivery-guarantee", g, "use \"at-least-once\" or \"none\"; the bulk API cannot write exactly once"));
            }
        }
        let json = JsonOptions::from_options(o, "json.").map_err(|e| ConnectorError::Schema(e.to_string()))?;

        let key_columns = key_columns(table)?;
        let key_delimiter = table.option("document-id.key-delimiter").unwrap_or("_").to_string();
        Ok(OpenSearchConfig {
            flavor,
            hosts,
            index,
            key_delimiter,
            credentials,
            failure_handler,
            max_actions,
            max_bytes,
            interval,
            backoff,
            request_timeout,
            connect_timeout,
            tls,
            json,
            key_columns,
        })
    }
}

/// Which servers an `https://` host may be: signed by a CA the system trusts or one in
/// `sluice.ssl.ca-location`; or anything with `allow-insecure` (Flink's option: no check
/// of the certificate or the host name).
#[derive(Clone, Debug, Default)]
pub struct TlsTrust {
    pub allow_insecure: bool,
    pub ca_pem: Option<Vec<u8>>,
}

impl TlsTrust {
    /// The TLS connector for the HTTP client.
    pub fn connector(&self) -> Result<native_tls::TlsConnector, String> {
        let mut builder = native_tls::TlsConnector::builder();
        if let Some(pem) = &self.ca_pem {
            let certificates = native_tls::Certificate::stack_from_pem(pem)
                .map_err(|e| format!("not a PEM file of CA certificates: {e}"))?;
            if certificates.is_empty() {
                return Err("the file holds no PEM certificate".into());
            }
            for certificate in certificates {
                builder.add_root_certificate(certificate);
            }
        }
        if self.allow_insecure {
            builder.danger_accept_invalid_certs(true).danger_accept_invalid_hostnames(true);
        }
        builder.build().map_err(|e| e.to_string())
    }
}

fn parse_i64(text: &str) -> Result<i64, String> {
    text.trim().parse::<i64>().map_err(|_| "expected a whole number".to_string())
}

/// `http://a:9200;http://b:9200` into base URLs, each with the path prefix appended.
fn parse_hosts(text: &str, prefix: &str) -> Result<Vec<String>, ConnectorError> {
    let mut hosts = Vec::new();
    for host in text.split(';').map(str::trim).filter(|h| !h.is_empty()) {
        let Some(rest) = host.strip_prefix("http://").or_else(|| host.strip_prefix("https://")) else {
            return Err(invalid(
                "hosts",
                text,
                format!("could not parse host \"{host}\"; hosts must be given as 'http://host_name:port' or 'https://host_name:port'"),
            ));
        };
        let authority = rest.split('/').next().unwrap_or("");
        let port_ok = authority.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !port_ok {
            return Err(invalid(
                "hosts",
                text,
                format!("could not parse host \"{host}\"; each host needs a port, as in 'http://host_name:9200'"),
            ));
        }
        let base = host.trim_end_matches('/');
        hosts.push(if prefix.is_empty() { base.to_string() } else { format!("{base}/{prefix}") });
    }
    if hosts.is_empty() {
        return Err(invalid("hosts", text, "name at least one host, as in 'http://localhost:9200'"));
    }
    Ok(hosts)
}

fn parse_backoff(table: &TableSpec) -> Result<Backoff, ConnectorError> {
    let o = &table.options;
    let max_retries = get_parsed(o, "sink.bulk-flush.backoff.max-retries", parse_i64)?;
    if let Some(n) = max_retries {
        if n < 1 {
            return Err(invalid("sink.bulk-flush.backoff.max-retries", &n.to_string(), "must be at least 1"));
        }
    }
    let max_retries = max_retries.map(|n| u32::try_from(n).unwrap_or(u32::MAX)).unwrap_or(8);
    let delay = get_parsed(o, "sink.bulk-flush.backoff.delay", parse_duration)?.unwrap_or(Duration::from_millis(50));
    let strategy = table.option("sink.bulk-flush.backoff.strategy").unwrap_or("DISABLED");
    match strategy.to_ascii_uppercase().as_str() {
        "DISABLED" | "NONE" => Ok(Backoff::Disabled),
        "CONSTANT" => Ok(Backoff::Constant { max_retries, delay }),
        "EXPONENTIAL" => Ok(Backoff::Exponential { max_retries, delay }),
        _ => Err(invalid("sink.bulk-flush.backoff.strategy", strategy, "use \"DISABLED\", \"CONSTANT\" or \"EXPONENTIAL\"")),
    }
}

/// The primary key's column indices, checked against the types Flink allows in a
/// document id.
fn key_columns(table: &TableSpec) -> Result<Vec<usize>, ConnectorError> {
    let mut out = Vec::with_capacity(table.primary_key.len());
    for key in &table.primary_key {
        let Some(i) = table.physical_columns.iter().position(|(n, _)| n == key) else {
            return Err(ConnectorError::Schema(format!("primary key column \"{key}\" is not a physical column of \"{}\"", table.name)));
        };
        let t = &table.physical_columns[i].1;
        let illegal = matches!(
            t.kind,
            TypeKind::Array(_) | TypeKind::Map(..) | TypeKind::Multiset(_) | TypeKind::Row(_) | TypeKind::Binary { .. } | TypeKind::Varbinary { .. } | TypeKind::Null
        );
        if illegal {
            return Err(ConnectorError::Schema(format!(
                "primary key column \"{key}\" has type {t}, which cannot form a document id. Use a column of a scalar type (not ARRAY, MAP, MULTISET, ROW, BINARY or VARBINARY)."
            )));
        }
        out.push(i);
    }
    Ok(out)
}
