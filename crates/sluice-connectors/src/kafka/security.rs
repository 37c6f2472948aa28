//! Kafka security settings as Flink users write them (the Java client's keys), turned
//! into librdkafka's. librdkafka's own keys pass through unchanged.
//!
//! | Java client (`properties.*`)                  | librdkafka                                   |
//! |-----------------------------------------------|----------------------------------------------|
//! | `sasl.jaas.config` (Plain or SCRAM module)    | `sasl.username`, `sasl.password`             |
//! | `ssl.truststore.location` (type PEM)          | `ssl.ca.location`                            |
//! | `ssl.keystore.location` (type PKCS12)         | `ssl.keystore.location` (+ `.password`)      |
//! | `ssl.keystore.location` (type PEM)            | `ssl.certificate.location`, `ssl.key.location` |
//! | `ssl.endpoint.identification.algorithm` = ""  | `ssl.endpoint.identification.algorithm` = none |
//!
//! `security.protocol`, `sasl.mechanism` and `ssl.key.password` mean the same in both.
//! A JKS store, or a PKCS12 truststore, which librdkafka cannot read, is an error that
//! says how to convert it. No error here shows a secret's value.

use std::ffi::{c_char, CStr};
use std::sync::OnceLock;

use rdkafka::bindings as rdsys;
use rdkafka::config::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaConfRes;
use sluice_connector_api::ConnectorError;

use super::truststore::{self, Truststore};

/// The librdkafka properties for a table's `properties.*` (prefix removed).
pub fn to_librdkafka(connector: &str, properties: &[(String, String)]) -> Result<Vec<(String, String)>, ConnectorError> {
    let get = |key: &str| properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in properties {
        match key.as_str() {
            "sasl.jaas.config" => {
                let (username, password) = parse_jaas(value)?;
                out.push(("sasl.username".into(), username));
                out.push(("sasl.password".into(), password));
            }
            "ssl.truststore.location" => match truststore::read(value, get("ssl.truststore.password"))? {
                Truststore::Pem => out.push(("ssl.ca.location".into(), value.clone())),
                Truststore::Certificates(pem) => out.push(("ssl.ca.pem".into(), pem)),
            },
            "ssl.keystore.location" => match store_type(get("ssl.keystore.type")).as_str() {
                "PKCS12" => {
                    out.push(("ssl.keystore.location".into(), value.clone()));
                    if let Some(p) = get("ssl.keystore.password") {
                        out.push(("ssl.keystore.password".into(), p.to_string()));
                    }
                }
                "PEM" => {
                    // A Java PEM keystore holds the certificate and its key in one file.
                    out.push(("ssl.certificate.location".into(), value.clone()));
                    out.push(("ssl.key.location".into(), value.clone()));
                }
                other => {
                    return Err(unreadable_store(
                        "ssl.keystore.location",
                        &other,
                        "keytool -importkeystore -srckeystore keystore.jks -destkeystore keystore.p12 -deststoretype PKCS12, then 'properties.ssl.keystore.type' = 'PKCS12'",
                    ))
                }
            },
            // Read with their store above; librdkafka has no such keys.
            "ssl.truststore.type" | "ssl.truststore.password" | "ssl.keystore.type" | "ssl.keystore.password" => {}
            "ssl.endpoint.identification.algorithm" if value.trim().is_empty() => {
                out.push((key.clone(), "none".into()));
            }
            _ if FLINK_SOURCE_KEYS.contains(&key.as_str()) || JAVA_ONLY_KEYS.contains(&key.as_str()) => {}
            _ => {
                let (key, value) = match JAVA_RENAMED_KEYS.iter().find(|(java, _)| *java == key) {
                    Some((_, ours)) => (ours.to_string(), value.clone()),
                    None => (key.clone(), value.clone()),
                };
                check_with_librdkafka(connector, &key, &value)?;
                out.push((key, value));
            }
        }
    }
    Ok(out)
}

/// Options of Flink's Kafka source that Flink reads from `properties.*`; they are not
/// client properties. Sluice's source discovers partitions and commits offsets its own way
/// (README: Kafka), so they change nothing here.
const FLINK_SOURCE_KEYS: &[&str] =
    &["partition.discovery.interval.ms", "commit.offsets.on.checkpoint", "client.id.prefix", "register.consumer.metrics"];

/// Java client keys with no librdkafka counterpart, which tune the Java client only
/// (batching of `poll`, blocking of `send`, the serializer classes Flink sets itself).
/// They cannot change a job's rows, so a script written for Flink runs with them.
const JAVA_ONLY_KEYS: &[&str] = &[
    "max.poll.records",
    "max.block.ms",
    "buffer.memory",
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "default.api.timeout.ms",
    "metric.reporters",
];

/// Java client keys that librdkafka spells differently.
const JAVA_RENAMED_KEYS: &[(&str, &str)] =
    &[("fetch.max.wait.ms", "fetch.wait.max.ms"), ("max.request.size", "message.max.bytes")];

/// Sets one property as librdkafka will be given it, so that a misspelled key or a value
/// librdkafka refuses fails while the job is planned, at its option, instead of when the
/// client starts.
fn check_with_librdkafka(connector: &str, key: &str, value: &str) -> Result<(), ConnectorError> {
    let mut config = ClientConfig::new();
    config.set(key, value);
    match config.create_native_config() {
        Err(KafkaError::ClientConfig(RDKafkaConfRes::RD_KAFKA_CONF_UNKNOWN, ..)) => Err(ConnectorError::UnknownOption {
            connector: connector.to_string(),
            key: format!("properties.{key}"),
            known: librdkafka_properties().iter().map(|name| format!("properties.{name}")).collect(),
        }),
        // librdkafka checks the values of enumerations, numbers and booleans here, never
        // of strings, so a refused value is not a secret.
        Err(KafkaError::ClientConfig(_, reason, ..)) => {
            Err(ConnectorError::InvalidOption { key: format!("properties.{key}"), value: value.to_string(), reason })
        }
        _ => Ok(()),
    }
}

/// The names of librdkafka's properties (global and topic), for suggestions.
fn librdkafka_properties() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = Vec::new();
        // SAFETY: a fresh configuration is dumped into an array of `count` C strings
        // (name, value, name, value, ...), copied, and both are freed with their own
        // functions; nothing escapes.
        unsafe {
            let conf = rdsys::rd_kafka_conf_new();
            let topic = rdsys::rd_kafka_topic_conf_new();
            for (array, count) in [dump(|n| rdsys::rd_kafka_conf_dump(conf, n)), dump(|n| rdsys::rd_kafka_topic_conf_dump(topic, n))] {
                for i in (0..count).step_by(2) {
                    let name = *array.add(i);
                    if !name.is_null() {
                        names.push(CStr::from_ptr(name).to_string_lossy().into_owned());
                    }
                }
                rdsys::rd_kafka_conf_dump_free(array, count);
            }
            rdsys::rd_kafka_topic_conf_destroy(topic);
            rdsys::rd_kafka_conf_destroy(conf);
        }
        names.sort();
        names.dedup();
        names
    })
}

/// Calls a librdkafka dump function; returns its array and length.
unsafe fn dump(f: impl FnOnce(*mut usize) -> *mut *const c_char) -> (*mut *const c_char, usize) {
    let mut count = 0usize;
    let array = f(&mut count);
    (array, count)
}

/// A store type as Java spells it (JKS when none is given, as the Java client assumes).
fn store_type(given: Option<&str>) -> String {
    given.unwrap_or("JKS").to_ascii_uppercase()
}

fn unreadable_store(key: &str, kind: &str, how: &str) -> ConnectorError {
    ConnectorError::InvalidOption {
        key: format!("properties.{key}"),
        value: format!("a {kind} store"),
        reason: format!("librdkafka cannot read a {kind} store here. Convert it: {how}"),
    }
}

/// The username and password of a Plain or SCRAM JAAS line:
/// `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`
fn parse_jaas(text: &str) -> Result<(String, String), ConnectorError> {
    let invalid = |reason: &str| ConnectorError::InvalidOption {
        key: "properties.sasl.jaas.config".into(),
        // The value holds a password: it is never shown.
        value: "(hidden)".into(),
        reason: reason.to_string(),
    };
    let text = text.trim().trim_end_matches(';').trim();
    let (module, rest) = text.split_once(char::is_whitespace).ok_or_else(|| invalid("expected a login module and its options"))?;
    let module_name = module.rsplit('.').next().unwrap_or(module);
    if module_name != "PlainLoginModule" && module_name != "ScramLoginModule" {
        return Err(invalid(&format!(
            "the login module \"{module_name}\" is not supported; use PlainLoginModule or ScramLoginModule, or \
             librdkafka's own 'properties.sasl.*' keys"
        )));
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("required").ok_or_else(|| invalid("expected \"required\" after the login module"))?;
    let mut username = None;
    let mut password = None;
    let mut chars = rest.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        if chars.next() != Some('=') {
            return Err(invalid("expected name=\"value\" pairs after \"required\""));
        }
        let value = if chars.peek() == Some(&'"') {
            chars.next();
            let mut v = String::new();
            loop {
                match chars.next() {
                    Some('\\') => v.extend(chars.next()),
                    Some('"') => break,
                    Some(c) => v.push(c),
                    None => return Err(invalid("a quoted value is not closed")),
                }
            }
            v
        } else {
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect()
        };
        match name.as_str() {
            "username" => username = Some(value),
            "password" => password = Some(value),
            _ => {}
        }
    }
    match (username, password) {
        (Some(u), Some(p)) => Ok((u, p)),
        _ => Err(invalid("it needs both username=\"...\" and password=\"...\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn get<'a>(out: &'a [(String, String)], key: &str) -> Option<&'a str> {
        out.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn plain_and_scram_jaas_lines_become_username_and_password() {
        for module in [
            "org.apache.kafka.common.security.plain.PlainLoginModule",
            "org.apache.kafka.common.security.scram.ScramLoginModule",
        ] {
            let line = format!(r#"{module} required username="avnadmin" password="s3cr\"et word";"#);
            let out = to_librdkafka("kafka", &props(&[("security.protocol", "SASL_SSL"), ("sasl.jaas.config", &line)])).unwrap();
            assert_eq!(get(&out, "sasl.username"), Some("avnadmin"));
            assert_eq!(get(&out, "sasl.password"), Some("s3cr\"et word"));
            assert_eq!(get(&out, "security.protocol"), Some("SASL_SSL"));
            assert_eq!(get(&out, "sasl.jaas.config"), None);
        }
    }

    #[test]
    fn a_bad_jaas_line_is_an_error_that_hides_the_password() {
        for line in [
            r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u";"#,
            r#"com.sun.security.auth.module.Krb5LoginModule required password="topsecret";"#,
            r#"org.apache.kafka.common.security.plain.PlainLoginModule required password="topsecret"#,
        ] {
            let e = to_librdkafka("kafka", &props(&[("sasl.jaas.config", line)])).unwrap_err().to_string();
            assert!(e.contains("sasl.jaas.config") && !e.contains("topsecret"), "{e}");
        }
    }

    #[test]
    fn stores_are_translated_or_refused_with_how_to_convert() {
        let dir = std::env::temp_dir().join(format!("sluice-security-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let ca = ca.display().to_string();
        let out = to_librdkafka("kafka", &props(&[
            ("ssl.truststore.location", &ca),
            ("ssl.truststore.type", "PEM"),
            ("ssl.keystore.location", "/certs/client.p12"),
            ("ssl.keystore.type", "PKCS12"),
            ("ssl.keystore.password", "kpw"),
            ("ssl.key.password", "keypw"),
            ("ssl.endpoint.identification.algorithm", ""),
        ]))
        .unwrap();
        assert_eq!(get(&out, "ssl.ca.location"), Some(ca.as_str()));
        assert_eq!(get(&out, "ssl.keystore.location"), Some("/certs/client.p12"));
        assert_eq!(get(&out, "ssl.keystore.password"), Some("kpw"));
        assert_eq!(get(&out, "ssl.key.password"), Some("keypw"));
        assert_eq!(get(&out, "ssl.endpoint.identification.algorithm"), Some("none"));
        assert_eq!(get(&out, "ssl.truststore.type"), None);

        let pem = to_librdkafka("kafka", &props(&[("ssl.keystore.location", "/certs/service.pem"), ("ssl.keystore.type", "PEM")])).unwrap();
        assert_eq!(get(&pem, "ssl.certificate.location"), Some("/certs/service.pem"));
        assert_eq!(get(&pem, "ssl.key.location"), Some("/certs/service.pem"));

        let missing = to_librdkafka("kafka", &props(&[("ssl.truststore.location", "/certs/t.jks"), ("ssl.truststore.password", "tpw")]))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("ssl.truststore.location") && !missing.contains("tpw"), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
        let jks = to_librdkafka("kafka", &props(&[("ssl.keystore.location", "/certs/k.jks")])).unwrap_err().to_string();
        assert!(jks.contains("keytool"), "{jks}");
    }

    #[test]
    fn a_misspelled_property_is_refused_with_librdkafkas_names_to_suggest() {
        let e = to_librdkafka("kafka", &props(&[("securty.protocol", "SSL")])).unwrap_err();
        match e {
            ConnectorError::UnknownOption { key, known, .. } => {
                assert_eq!(key, "properties.securty.protocol");
                assert!(known.iter().any(|k| k == "properties.security.protocol"), "{known:?}");
                assert!(known.iter().any(|k| k == "properties.auto.offset.reset"), "{known:?}");
            }
            other => panic!("{other}"),
        }
        let e = to_librdkafka("kafka", &props(&[("security.protocol", "SSLL")])).unwrap_err().to_string();
        assert!(e.contains("properties.security.protocol") && e.contains("SSLL"), "{e}");
    }

    #[test]
    fn flinks_source_keys_and_java_only_keys_are_not_given_to_librdkafka() {
        let out = to_librdkafka(
            "kafka",
            &props(&[
                ("partition.discovery.interval.ms", "10000"),
                ("commit.offsets.on.checkpoint", "true"),
                ("max.poll.records", "500"),
                ("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"),
                ("fetch.max.wait.ms", "100"),
                ("group.id", "g"),
            ]),
        )
        .unwrap();
        assert_eq!(out, props(&[("fetch.wait.max.ms", "100"), ("group.id", "g")]));
    }

    #[test]
    fn librdkafka_keys_pass_through() {
        let given = props(&[("sasl.username", "u"), ("sasl.password", "p"), ("ssl.ca.location", "/ca.pem")]);
        assert_eq!(to_librdkafka("kafka", &given).unwrap(), given);
    }
}
