//! The options of the `kafka` and `upsert-kafka` connectors, checked and parsed with
//! Flink's keys, defaults and rules (`KafkaConnectorOptionsUtil` in Flink).

use std::collections::BTreeMap;
use std::time::Duration;

use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_formats::format_options;
use sluice_types::DataType;

use super::format::FormatSpec;
use super::offsets::{BoundedMode, StartupMode};
use crate::options::{check_known_keys, get_parsed, invalid, parse_duration, parse_u64};

/// Keys the plain `kafka` connector knows, besides the formats' own.
const KAFKA_KEYS: &[&str] = &[
    "topic",
    "topic-pattern",
    "properties.#",
    "format",
    "value.format",
    "key.format",
    "key.fields",
    "key.fields-prefix",
    "value.fields-include",
    "scan.startup.mode",
    "scan.startup.specific-offsets",
    "scan.startup.timestamp-millis",
    "scan.bounded.mode",
    "scan.bounded.specific-offsets",
    "scan.bounded.timestamp-millis",
    "scan.topic-partition-discovery.interval",
    "scan.parallelism",
    "scan.watermark.idle-timeout",
    "scan.watermark.emit.strategy",
    "scan.watermark.emit.on-event.gap",
    "scan.watermark.alignment.group",
    "scan.watermark.alignment.max-drift",
    "scan.watermark.alignment.update-interval",
    "sink.partitioner",
    "sink.delivery-guarantee",
    "sink.transactional-id-prefix",
    "sink.parallelism",
    "sluice.dead-letter",
    "sluice.dead-letter.properties.#",
];

/// Keys the `upsert-kafka` connector knows, besides the formats' own. There is no
/// `key.fields` (the primary key is the key) and no startup mode (it reads from the
/// earliest offset).
const UPSERT_KEYS: &[&str] = &[
    "topic",
    "properties.#",
    "value.format",
    "key.format",
    "key.fields-prefix",
    "value.fields-include",
    "scan.bounded.mode",
    "scan.bounded.specific-offsets",
    "scan.bounded.timestamp-millis",
    "scan.parallelism",
    "scan.watermark.idle-timeout",
    "scan.watermark.emit.strategy",
    "scan.watermark.emit.on-event.gap",
    "scan.watermark.alignment.group",
    "scan.watermark.alignment.max-drift",
    "scan.watermark.alignment.update-interval",
    "sink.buffer-flush.max-rows",
    "sink.buffer-flush.interval",
    "sink.delivery-guarantee",
    "sink.transactional-id-prefix",
    "sink.parallelism",
    "sluice.dead-letter",
    "sluice.dead-letter.properties.#",
];

/// Which of the two connectors a table uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KafkaFlavor {
    Plain,
    Upsert,
}

impl KafkaFlavor {
    pub fn name(self) -> &'static str {
        match self {
            KafkaFlavor::Plain => "kafka",
            KafkaFlavor::Upsert => "upsert-kafka",
        }
    }
}

/// The topics a table reads: a list (`topic`, `;`-separated) or a regular expression
/// (`topic-pattern`) that must match a whole topic name.
#[derive(Clone, Debug)]
pub enum Topics {
    List(Vec<String>),
    Pattern { text: String, regex: regex::Regex },
}

impl Topics {
    pub fn matches(&self, topic: &str) -> bool {
        match self {
            Topics::List(list) => list.iter().any(|t| t == topic),
            Topics::Pattern { regex, .. } => regex.is_match(topic),
        }
    }

    /// For messages: the topic list or the pattern.
    pub fn describe(&self) -> String {
        match self {
            Topics::List(list) => list.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", "),
            Topics::Pattern { text, .. } => format!("pattern \"{text}\""),
        }
    }
}

/// `value.fields-include`: whether the value format holds every physical column or only
/// those that are not in the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueFieldsInclude {
    All,
    ExceptKey,
}

/// `sink.partitioner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkPartitioner {
    /// librdkafka's partitioner on the key (`murmur2_random`, Java's hash; messages
    /// without a key are spread).
    Default,
    /// Each sink subtask writes to one partition: `subtask % partitions`.
    Fixed,
    /// Messages go to the partitions in turn.
    RoundRobin,
}

/// `sink.delivery-guarantee`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryGuarantee {
    /// Nothing is waited for at `flush`; messages may be lost.
    None,
    /// `flush` and `finish` wait until the broker acknowledged every message.
    AtLeastOnce,
    /// One Kafka transaction per checkpoint, committed with the checkpoint's id (see
    /// `KafkaSink`); the transactional ids start with this prefix.
    ExactlyOnce { transactional_id_prefix: String },
}

/// A table's Kafka options, parsed.
#[derive(Clone, Debug)]
pub struct KafkaConfig {
    pub flavor: KafkaFlavor,
    pub topics: Topics,
    pub bootstrap_servers: String,
    /// `properties.group.id` as the user set it.
    pub group_id: Option<String>,
    /// Every `properties.*` option with the prefix removed, for librdkafka.
    pub properties: Vec<(String, String)>,
    pub value_format: FormatSpec,
    pub key_format: Option<FormatSpec>,
    /// Indices of the key columns in `TableSpec::physical_columns`, in key order.
    pub key_fields: Vec<usize>,
    pub key_fields_prefix: String,
    pub value_fields_include: ValueFieldsInclude,
    pub startup: StartupMode,
    pub bounded: BoundedMode,
    /// `None` when partition discovery is off.
    pub discovery_interval: Option<Duration>,
    pub partitioner: SinkPartitioner,
    pub delivery: DeliveryGuarantee,
    /// `sink.buffer-flush.max-rows` and `.interval` when both are positive.
    pub buffer_flush: Option<(usize, Duration)>,
}

impl KafkaConfig {
    /// Parses and checks the options of `table` for `flavor`. Rules that concern only a
    /// source or only a sink are checked by `check_source` / `check_sink`.
    pub fn parse(table: &TableSpec, flavor: KafkaFlavor) -> Result<KafkaConfig, ConnectorError> {
        let options = &table.options;
        let connector = flavor.name();

        // Formats first: their option keys join the known keys.
        let (value_name, value_prefix) = match (options.get("format"), options.get("value.format")) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "format",
                    &options["format"],
                    "set either \"format\" or \"value.format\", not both",
                ))
            }
            (Some(f), None) if flavor == KafkaFlavor::Plain => (f.as_str(), ""),
            (Some(_), None) => {
                // `upsert-kafka` has no `format` shorthand: it names key and value formats.
                return Err(ConnectorError::UnknownOption {
                    connector: connector.to_string(),
                    key: "format".into(),
                    known: UPSERT_KEYS.iter().map(|k| k.to_string()).collect(),
                });
            }
            (_, Some(f)) => (f.as_str(), "value."),
            _ => {
                let key = if flavor == KafkaFlavor::Plain { "format" } else { "value.format" };
                return Err(missing(connector, key));
            }
        };
        let key_name = options.get("key.format").map(|s| s.as_str());
        if flavor == KafkaFlavor::Upsert && key_name.is_none() {
            return Err(missing(connector, "key.format"));
        }
        let mut known: Vec<String> = match flavor {
            KafkaFlavor::Plain => KAFKA_KEYS,
            KafkaFlavor::Upsert => UPSERT_KEYS,
        }
        .iter()
        .map(|s| s.to_string())
        .collect();
        known.extend(format_keys(value_name, value_prefix, if value_prefix.is_empty() { "format" } else { "value.format" })?);
        if let Some(k) = key_name {
            known.extend(format_keys(k, "key.", "key.format")?);
        }
        let known_refs: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
        check_known_keys(connector, options, &known_refs)?;

        let topics = parse_topics(options, flavor)?;
        let bootstrap_servers = options
            .get("properties.bootstrap.servers")
            .cloned()
            .ok_or_else(|| missing(connector, "properties.bootstrap.servers"))?;
        let properties: Vec<(String, String)> = options
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("properties.").map(|p| (p.to_string(), v.clone())))
            .collect();
        // The Java client's security keys, as Flink users write them, in librdkafka's terms.
        let properties = super::security::to_librdkafka(connector, &properties)?;

        // Key and value fields.
        let value_fields_include = match options.get("value.fields-include").map(|s| s.to_ascii_uppercase()) {
            None => ValueFieldsInclude::All,
            Some(v) if v == "ALL" => ValueFieldsInclude::All,
            Some(v) if v == "EXCEPT_KEY" => ValueFieldsInclude::ExceptKey,
            Some(_) => {
                return Err(invalid(
                    "value.fields-include",
                    &options["value.fields-include"],
                    "use \"ALL\" or \"EXCEPT_KEY\"",
                ))
            }
        };
        let key_fields_prefix = options.get("key.fields-prefix").cloned().unwrap_or_default();
        if !key_fields_prefix.is_empty() && value_fields_include == ValueFieldsInclude::All {
            return Err(invalid(
                "key.fields-prefix",
                &key_fields_prefix,
                "a key prefix is not allowed when \"value.fields-include\" is \"ALL\"; set it to \
                 \"EXCEPT_KEY\" to keep key and value fields apart",
            ));
        }
        let key_fields = parse_key_fields(table, flavor, key_name.is_some(), &key_fields_prefix)?;

        let value_format = FormatSpec::parse(value_name, options, value_prefix, if value_prefix.is_empty() { "format" } else { "value.format" })?;
        let key_format = match key_name {
            Some(k) => Some(FormatSpec::parse(k, options, "key.", "key.format")?),
            None => None,
        };

        let startup = match flavor {
            KafkaFlavor::Upsert => StartupMode::Earliest,
            KafkaFlavor::Plain => StartupMode::parse(options)?,
        };
        let bounded = BoundedMode::parse(options)?;
        if let (Topics::List(list), true) = (&topics, startup.is_specific() || bounded.is_specific()) {
            if list.len() != 1 {
                return Err(invalid(
                    "topic",
                    &list.join(";"),
                    "specific offsets can only be given for a single topic",
                ));
            }
        } else if matches!(topics, Topics::Pattern { .. }) && (startup.is_specific() || bounded.is_specific()) {
            return Err(invalid(
                "topic-pattern",
                options.get("topic-pattern").map(|s| s.as_str()).unwrap_or(""),
                "specific offsets can only be given for a single topic",
            ));
        }
        // Flink 2.x discovers new partitions every 5 minutes unless told otherwise; `0`
        // turns it off. A bounded source never discovers.
        let discovery_interval = match options.get("scan.topic-partition-discovery.interval") {
            None => Some(Duration::from_secs(300)),
            Some(v) if v.trim().starts_with('-') => None,
            Some(v) => Some(parse_duration(v).map_err(|r| invalid("scan.topic-partition-discovery.interval", v, r))?)
                .filter(|d| !d.is_zero()),
        }
        .filter(|_| bounded == BoundedMode::Unbounded);

        let partitioner = match options.get("sink.partitioner").map(|s| s.as_str()) {
            None | Some("default") => SinkPartitioner::Default,
            Some("fixed") => SinkPartitioner::Fixed,
            Some("round-robin") => SinkPartitioner::RoundRobin,
            Some(other) => {
                return Err(invalid(
                    "sink.partitioner",
                    other,
                    "use \"default\", \"fixed\" or \"round-robin\" (custom partitioner classes are Java-only)",
                ))
            }
        };
        let delivery = match options.get("sink.delivery-guarantee").map(|s| s.to_ascii_lowercase()) {
            None => DeliveryGuarantee::AtLeastOnce,
            Some(v) if v == "at-least-once" => DeliveryGuarantee::AtLeastOnce,
            Some(v) if v == "none" => DeliveryGuarantee::None,
            Some(v) if v == "exactly-once" => match options.get("sink.transactional-id-prefix") {
                Some(prefix) if !prefix.trim().is_empty() => {
                    DeliveryGuarantee::ExactlyOnce { transactional_id_prefix: prefix.trim().to_string() }
                }
                _ => {
                    return Err(ConnectorError::MissingOption {
                        connector: "kafka".into(),
                        key: "sink.transactional-id-prefix".into(),
                    })
                }
            },
            Some(v) => {
                return Err(invalid("sink.delivery-guarantee", &v, "use \"none\", \"at-least-once\" or \"exactly-once\""))
            }
        };
        let max_rows = get_parsed(options, "sink.buffer-flush.max-rows", parse_u64)?.unwrap_or(0);
        let interval = get_parsed(options, "sink.buffer-flush.interval", parse_duration)?.unwrap_or(Duration::ZERO);
        let buffer_flush = match (max_rows > 0, !interval.is_zero()) {
            (true, true) => Some((max_rows as usize, interval)),
            (false, false) => None,
            _ => {
                return Err(invalid(
                    if max_rows > 0 { "sink.buffer-flush.interval" } else { "sink.buffer-flush.max-rows" },
                    options
                        .get(if max_rows > 0 { "sink.buffer-flush.interval" } else { "sink.buffer-flush.max-rows" })
                        .map(|s| s.as_str())
                        .unwrap_or("0"),
                    "\"sink.buffer-flush.max-rows\" and \"sink.buffer-flush.interval\" must both be \
                     greater than zero to buffer rows, or both zero",
                ))
            }
        };

        let config = KafkaConfig {
            flavor,
            topics,
            bootstrap_servers,
            group_id: options.get("properties.group.id").cloned(),
            properties,
            value_format,
            key_format,
            key_fields,
            key_fields_prefix,
            value_fields_include,
            startup,
            bounded,
            discovery_interval,
            partitioner,
            delivery,
            buffer_flush,
        };
        config.check_formats(table)?;
        Ok(config)
    }

    /// Checks what only a sink needs: one topic, no pattern.
    pub fn check_sink(&self) -> Result<&str, ConnectorError> {
        match &self.topics {
            Topics::List(list) if list.len() == 1 => Ok(list[0].as_str()),
            Topics::List(list) => Err(invalid(
                "topic",
                &list.join(";"),
                "a Kafka sink writes to one topic; give a single topic name",
            )),
            Topics::Pattern { text, .. } => Err(invalid(
                "topic-pattern",
                text,
                "a Kafka sink cannot write to a topic pattern; set \"topic\" instead",
            )),
        }
    }

    /// Indices of the columns the value format holds, in declaration order.
    pub fn value_fields(&self, column_count: usize) -> Vec<usize> {
        (0..column_count)
            .filter(|i| self.value_fields_include == ValueFieldsInclude::All || !self.key_fields.contains(i))
            .collect()
    }

    /// The key format's fields: (name inside the format, type), the prefix removed.
    pub fn key_format_fields(&self, table: &TableSpec) -> Vec<(String, DataType)> {
        self.key_fields
            .iter()
            .map(|&i| {
                let (name, ty) = &table.physical_columns[i];
                let name = name.strip_prefix(self.key_fields_prefix.as_str()).unwrap_or(name);
                (name.to_string(), ty.clone())
            })
            .collect()
    }

    /// The value format's fields: (name, type).
    pub fn value_format_fields(&self, table: &TableSpec) -> Vec<(String, DataType)> {
        self.value_fields(table.physical_columns.len())
            .into_iter()
            .map(|i| table.physical_columns[i].clone())
            .collect()
    }

    /// Builds both formats' codecs once, so an unsupported column type or a `raw` format
    /// over several columns is reported at validation.
    fn check_formats(&self, table: &TableSpec) -> Result<(), ConnectorError> {
        let value = self.value_format_fields(table);
        self.value_format.check_fields(&value, if self.flavor == KafkaFlavor::Plain { "format" } else { "value.format" })?;
        if let Some(key) = &self.key_format {
            key.check_fields(&self.key_format_fields(table), "key.format")?;
        }
        Ok(())
    }
}

fn missing(connector: &str, key: &str) -> ConnectorError {
    ConnectorError::MissingOption { connector: connector.to_string(), key: key.to_string() }
}

/// The option keys of format `name` written under `prefix` (`json.` → `value.json.`).
fn format_keys(name: &str, prefix: &str, option: &str) -> Result<Vec<String>, ConnectorError> {
    let keys = format_options(name).ok_or_else(|| {
        invalid(option, name, "the Kafka connectors read and write \"json\", \"csv\" and \"raw\"")
    })?;
    Ok(keys.iter().map(|k| format!("{prefix}{k}")).collect())
}

fn parse_topics(options: &BTreeMap<String, String>, flavor: KafkaFlavor) -> Result<Topics, ConnectorError> {
    match (options.get("topic"), options.get("topic-pattern")) {
        (Some(_), Some(p)) => Err(invalid(
            "topic-pattern",
            p,
            "\"topic\" and \"topic-pattern\" cannot be set together",
        )),
        (Some(t), None) => {
            let list: Vec<String> =
                t.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            if list.is_empty() {
                return Err(invalid("topic", t, "give at least one topic name"));
            }
            Ok(Topics::List(list))
        }
        (None, Some(p)) => {
            let regex = regex::Regex::new(&format!("^(?:{p})$"))
                .map_err(|e| invalid("topic-pattern", p, format!("not a valid regular expression: {e}")))?;
            Ok(Topics::Pattern { text: p.clone(), regex })
        }
        (None, None) => Err(ConnectorError::MissingOption {
            connector: flavor.name().to_string(),
            key: if flavor == KafkaFlavor::Plain { "topic\" or \"topic-pattern" } else { "topic" }.to_string(),
        }),
    }
}

/// The key columns: `key.fields` for `kafka`, the primary key for `upsert-kafka`.
fn parse_key_fields(
    table: &TableSpec,
    flavor: KafkaFlavor,
    has_key_format: bool,
    prefix: &str,
) -> Result<Vec<usize>, ConnectorError> {
    let names: Vec<String> = match flavor {
        KafkaFlavor::Upsert => {
            if table.primary_key.is_empty() {
                return Err(ConnectorError::Schema(format!(
                    "table \"{}\" uses connector \"upsert-kafka\", which needs a PRIMARY KEY: the key \
                     columns are written to and read from the Kafka message key, and rows with the \
                     same key update or delete each other",
                    table.name
                )));
            }
            table.primary_key.clone()
        }
        KafkaFlavor::Plain => {
            let fields = table.option("key.fields");
            match (fields, has_key_format) {
                (Some(f), false) => {
                    return Err(invalid("key.fields", f, "\"key.fields\" needs a key format in \"key.format\""))
                }
                (None, true) => {
                    return Err(invalid(
                        "key.format",
                        table.option("key.format").unwrap_or(""),
                        "a key format needs the key columns in \"key.fields\"",
                    ))
                }
                (None, false) => return Ok(Vec::new()),
                (Some(f), true) => f.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            }
        }
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let Some(i) = table.physical_columns.iter().position(|(n, _)| *n == name) else {
            let choices: Vec<String> = table.physical_columns.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            return Err(invalid(
                "key.fields",
                &name,
                format!(
                    "there is no physical column \"{name}\"; a key field must be a physical column, one of {}",
                    choices.join(", ")
                ),
            ));
        };
        if !name.starts_with(prefix) {
            return Err(invalid(
                "key.fields",
                &name,
                format!("every key field must start with the prefix \"{prefix}\" of \"key.fields-prefix\""),
            ));
        }
        out.push(i);
    }
    Ok(out)
}
