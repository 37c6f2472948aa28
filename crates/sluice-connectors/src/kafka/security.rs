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

use sluice_connector_api::ConnectorError;

/// The librdkafka properties for a table's `properties.*` (prefix removed).
pub fn to_librdkafka(properties: &[(String, String)]) -> Result<Vec<(String, String)>, ConnectorError> {
    let get = |key: &str| properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in properties {
        match key.as_str() {
            "sasl.jaas.config" => {
                let (username, password) = parse_jaas(value)?;
                out.push(("sasl.username".into(), username));
                out.push(("sasl.password".into(), password));
            }
            "ssl.truststore.location" => match store_type(get("ssl.truststore.type")).as_str() {
                "PEM" => out.push(("ssl.ca.location".into(), value.clone())),
                other => {
                    return Err(unreadable_store(
                        "ssl.truststore.location",
                        &other,
                        "openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem, then 'properties.ssl.truststore.location' = 'ca.pem' and 'properties.ssl.truststore.type' = 'PEM' (or librdkafka's 'properties.ssl.ca.location')",
                    ))
                }
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
            _ => out.push((key.clone(), value.clone())),
        }
    }
    Ok(out)
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
            let out = to_librdkafka(&props(&[("security.protocol", "SASL_SSL"), ("sasl.jaas.config", &line)])).unwrap();
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
            let e = to_librdkafka(&props(&[("sasl.jaas.config", line)])).unwrap_err().to_string();
            assert!(e.contains("sasl.jaas.config") && !e.contains("topsecret"), "{e}");
        }
    }

    #[test]
    fn stores_are_translated_or_refused_with_how_to_convert() {
        let out = to_librdkafka(&props(&[
            ("ssl.truststore.location", "/certs/ca.pem"),
            ("ssl.truststore.type", "PEM"),
            ("ssl.keystore.location", "/certs/client.p12"),
            ("ssl.keystore.type", "PKCS12"),
            ("ssl.keystore.password", "kpw"),
            ("ssl.key.password", "keypw"),
            ("ssl.endpoint.identification.algorithm", ""),
        ]))
        .unwrap();
        assert_eq!(get(&out, "ssl.ca.location"), Some("/certs/ca.pem"));
        assert_eq!(get(&out, "ssl.keystore.location"), Some("/certs/client.p12"));
        assert_eq!(get(&out, "ssl.keystore.password"), Some("kpw"));
        assert_eq!(get(&out, "ssl.key.password"), Some("keypw"));
        assert_eq!(get(&out, "ssl.endpoint.identification.algorithm"), Some("none"));
        assert_eq!(get(&out, "ssl.truststore.type"), None);

        let pem = to_librdkafka(&props(&[("ssl.keystore.location", "/certs/service.pem"), ("ssl.keystore.type", "PEM")])).unwrap();
        assert_eq!(get(&pem, "ssl.certificate.location"), Some("/certs/service.pem"));
        assert_eq!(get(&pem, "ssl.key.location"), Some("/certs/service.pem"));

        let jks = to_librdkafka(&props(&[("ssl.truststore.location", "/certs/t.jks"), ("ssl.truststore.password", "tpw")]))
            .unwrap_err()
            .to_string();
        assert!(jks.contains("JKS") && jks.contains("openssl pkcs12") && !jks.contains("tpw"), "{jks}");
        let jks = to_librdkafka(&props(&[("ssl.keystore.location", "/certs/k.jks")])).unwrap_err().to_string();
        assert!(jks.contains("keytool"), "{jks}");
    }

    #[test]
    fn librdkafka_keys_pass_through() {
        let given = props(&[("sasl.username", "u"), ("sasl.password", "p"), ("ssl.ca.location", "/ca.pem")]);
        assert_eq!(to_librdkafka(&given).unwrap(), given);
    }
}
