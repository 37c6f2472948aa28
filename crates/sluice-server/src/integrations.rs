//! Integrations: named connection settings (a Kafka cluster, a PostgreSQL database, an
//! OpenSearch cluster) that a table refers to by id, after Aiven's model. A table's
//! `CREATE TABLE` leaves the connection out, or writes it empty
//! (`'properties.bootstrap.servers' = ''`), and the integration fills it in (over any
//! value the table gives) when the version is validated or a worker's script is written. Secrets (passwords) leave the
//! store only into a worker's script; validation sees asterisks in their place, and the
//! supervisor masks their values in whatever a worker reports.

use sluice_sql::ast::Statement;
use sluice_sql::Diagnostic;

use crate::api::{CreateIntegration, CreateTable, Integration, IntegrationType, TableColumn};

/// The write-only part of an integration, kept apart from what the API shows.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct IntegrationSecrets {
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub ssl_key_password: Option<String>,
}

impl IntegrationSecrets {
    pub fn of(body: &CreateIntegration) -> IntegrationSecrets {
        IntegrationSecrets { password: body.password.clone(), ssl_key_password: body.ssl_key_password.clone() }
    }

    /// The secret values, for masking.
    pub fn values(&self) -> Vec<String> {
        [&self.password, &self.ssl_key_password].into_iter().flatten().filter(|v| !v.is_empty()).cloned().collect()
    }
}

/// An integration as stored: what the API shows, and its secrets.
#[derive(Clone, Debug)]
pub struct StoredIntegration {
    pub integration: Integration,
    pub secrets: IntegrationSecrets,
}

/// What a secret is replaced with where the real value must not go (validation).
pub const MASK: &str = "******";

/// Checks a new integration's settings: the field at fault and why.
pub fn check(body: &CreateIntegration) -> Result<(), (&'static str, String)> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(("name", "the name is 1 to 128 printable characters".into()));
    }
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
    match body.integration_type {
        IntegrationType::Kafka => {
            if blank(&body.bootstrap_servers) {
                return Err(("bootstrap_servers", "a Kafka integration needs bootstrap_servers (host:port,...)".into()));
            }
            if let Some(p) = &body.security_protocol {
                if !["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].contains(&p.to_ascii_uppercase().as_str()) {
                    return Err(("security_protocol", format!("\"{p}\" is not PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")));
                }
            }
            if body.sasl_mechanism.is_some() && (blank(&body.username) || blank(&body.password)) {
                return Err(("username", "SASL needs a username and a password".into()));
            }
        }
        IntegrationType::Postgresql => {
            let url = body.url.as_deref().unwrap_or("");
            if !url.starts_with("jdbc:postgresql://") {
                return Err(("url", "a PostgreSQL integration needs url = jdbc:postgresql://host:port/database".into()));
            }
        }
        IntegrationType::Opensearch => {
            let url = body.url.as_deref().unwrap_or("");
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(("url", "an OpenSearch integration needs url = http(s)://host:port".into()));
            }
        }
    }
    let wrong_kind = |field: &'static str, v: &Option<String>, kind: &str| match v {
        Some(_) => Err((field, format!("{field} is a setting of {kind} integrations"))),
        None => Ok(()),
    };
    if body.integration_type != IntegrationType::Kafka {
        wrong_kind("bootstrap_servers", &body.bootstrap_servers, "Kafka")?;
        wrong_kind("security_protocol", &body.security_protocol, "Kafka")?;
        wrong_kind("sasl_mechanism", &body.sasl_mechanism, "Kafka")?;
        wrong_kind("ssl_ca_file", &body.ssl_ca_file, "Kafka")?;
        wrong_kind("ssl_cert_file", &body.ssl_cert_file, "Kafka")?;
        wrong_kind("ssl_key_file", &body.ssl_key_file, "Kafka")?;
        wrong_kind("ssl_key_password", &body.ssl_key_password, "Kafka")?;
    } else {
        wrong_kind("url", &body.url, "PostgreSQL and OpenSearch")?;
    }
    Ok(())
}

/// The connectors an integration serves.
fn serves(kind: IntegrationType, connector: &str) -> bool {
    match kind {
        IntegrationType::Kafka => matches!(connector, "kafka" | "upsert-kafka"),
        IntegrationType::Postgresql => connector == "jdbc",
        IntegrationType::Opensearch => matches!(connector, "opensearch" | "elasticsearch-7"),
    }
}

/// The `WITH` options an integration supplies, with its secrets or with `MASK`.
fn options(stored: &StoredIntegration, masked: bool) -> Vec<(String, String)> {
    let i = &stored.integration;
    let secret = |v: &Option<String>| v.as_ref().map(|v| if masked { MASK.to_string() } else { v.clone() });
    let mut out: Vec<(&str, Option<String>)> = Vec::new();
    match i.integration_type {
        IntegrationType::Kafka => {
            out.push(("properties.bootstrap.servers", i.bootstrap_servers.clone()));
            out.push(("properties.security.protocol", i.security_protocol.clone()));
            out.push(("properties.sasl.mechanism", i.sasl_mechanism.clone()));
            // librdkafka's own keys, which Sluice passes through.
            out.push(("properties.sasl.username", i.username.clone().filter(|_| i.sasl_mechanism.is_some())));
            out.push(("properties.sasl.password", secret(&stored.secrets.password).filter(|_| i.sasl_mechanism.is_some())));
            out.push(("properties.ssl.ca.location", i.ssl_ca_file.clone()));
            out.push(("properties.ssl.certificate.location", i.ssl_cert_file.clone()));
            out.push(("properties.ssl.key.location", i.ssl_key_file.clone()));
            out.push(("properties.ssl.key.password", secret(&stored.secrets.ssl_key_password)));
        }
        IntegrationType::Postgresql => {
            out.push(("url", i.url.clone()));
            out.push(("username", i.username.clone()));
            out.push(("password", secret(&stored.secrets.password)));
        }
        IntegrationType::Opensearch => {
            out.push(("hosts", i.url.clone()));
            out.push(("username", i.username.clone()));
            out.push(("password", secret(&stored.secrets.password)));
        }
    }
    out.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect()
}

fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Why a table's `CREATE TABLE` and its integration do not fit together.
#[derive(Debug)]
pub enum ApplyError {
    /// The text does not parse: the parser's diagnostic, positions within the text.
    Parse(Diagnostic),
    Mismatch(String),
}

/// `create_table` with the integration's options filled in: added where its `WITH`
/// clause leaves them out, and in place of the value it gives, empty or not. The
/// integration is where the table's cluster is, as in Aiven: seed 004's `04-trends.json`
/// names a topic as its sink's `'properties.bootstrap.servers'` and runs there.
pub fn apply(create_table: &str, stored: &StoredIntegration, masked: bool) -> Result<String, ApplyError> {
    let statements = sluice_sql::parse_statements(create_table).map_err(ApplyError::Parse)?;
    let [Statement::CreateTable(table)] = statements.as_slice() else {
        return Err(ApplyError::Mismatch("a table with an integration is one CREATE TABLE statement".into()));
    };
    let integration = &stored.integration;
    let connector = table.options.iter().find(|o| o.key == "connector").map(|o| o.value.as_str()).unwrap_or("");
    if !serves(integration.integration_type, connector) {
        return Err(ApplyError::Mismatch(format!(
            "integration \"{}\" connects to {}, which the \"{connector}\" connector of table \"{}\" does not use",
            integration.name,
            integration.integration_type.as_str(),
            table.name.parts.last().map_or("", |p| p.value.as_str())
        )));
    }
    // Edits as (byte range, replacement), applied from the end.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut added = String::new();
    for (key, value) in options(stored, masked) {
        match table.options.iter().find(|o| o.key == key) {
            Some(o) => edits.push((o.value_span.start as usize, o.value_span.end as usize, quote(&value))),
            None => added.push_str(&format!(",\n  {} = {}", quote(&key), quote(&value))),
        }
    }
    if !added.is_empty() {
        let Some(last) = table.options.iter().map(|o| o.value_span.end as usize).max() else {
            return Err(ApplyError::Mismatch("a table with an integration has a WITH clause naming its 'connector'".into()));
        };
        edits.push((last, last, added));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut text = create_table.to_string();
    for (start, end, replacement) in edits {
        if text.get(start..end).is_none() {
            return Err(ApplyError::Mismatch("the CREATE TABLE's options are not where the parser put them".into()));
        }
        text.replace_range(start..end, &replacement);
    }
    Ok(text)
}

/// The `CREATE TABLE` of a table of the older workflow, from Aiven's flags; the
/// integration's connection options are filled in later, by `apply`.
pub fn table_ddl(body: &CreateTable, kind: IntegrationType) -> Result<String, (&'static str, String)> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(("name", "the table name is 1 to 128 printable characters".into()));
    }
    if body.schema_sql.trim().is_empty() {
        return Err(("schema_sql", "the schema lists the table's columns".into()));
    }
    if body.like_options.as_deref().is_some_and(|l| !l.trim().is_empty()) {
        return Err(("like_options", "LIKE options are not supported yet".into()));
    }
    let mut options: Vec<(&str, String)> = Vec::new();
    let kafka_only = [
        ("kafka_topic", &body.kafka_topic),
        ("kafka_connector_type", &body.kafka_connector_type),
        ("kafka_key_format", &body.kafka_key_format),
        ("kafka_value_format", &body.kafka_value_format),
        ("kafka_startup_mode", &body.kafka_startup_mode),
    ];
    match kind {
        IntegrationType::Kafka => {
            let connector = body.kafka_connector_type.clone().unwrap_or_else(|| "kafka".into());
            if connector != "kafka" && connector != "upsert-kafka" {
                return Err(("kafka_connector_type", format!("\"{connector}\" is not kafka or upsert-kafka")));
            }
            let topic = body.kafka_topic.clone().filter(|t| !t.trim().is_empty()).ok_or(("kafka_topic", "a Kafka table needs a topic".to_string()))?;
            let value_format = body.kafka_value_format.clone().ok_or(("kafka_value_format", "a Kafka table needs a value format".to_string()))?;
            options.push(("connector", connector.clone()));
            options.push(("topic", topic));
            if connector == "upsert-kafka" {
                options.push(("key.format", body.kafka_key_format.clone().unwrap_or_else(|| value_format.clone())));
            } else if let Some(key_format) = &body.kafka_key_format {
                options.push(("key.format", key_format.clone()));
            }
            if !body.kafka_key_fields.is_empty() {
                options.push(("key.fields", body.kafka_key_fields.join(";")));
            }
            options.push(("value.format", value_format));
            if let Some(mode) = &body.kafka_startup_mode {
                if connector == "upsert-kafka" {
                    return Err(("kafka_startup_mode", "an upsert-kafka table always reads its topic from the start".into()));
                }
                options.push(("scan.startup.mode", mode.clone()));
            }
        }
        IntegrationType::Postgresql | IntegrationType::Opensearch => {
            if let Some((field, _)) = kafka_only.iter().find(|(_, v)| v.is_some()) {
                return Err((field, format!("{field} is a setting of tables over a Kafka integration")));
            }
            if kind == IntegrationType::Postgresql {
                let table = body.jdbc_table.clone().ok_or(("jdbc_table", "a PostgreSQL table needs jdbc_table".to_string()))?;
                options.push(("connector", "jdbc".into()));
                options.push(("table-name", table));
            } else {
                let index = body.opensearch_index.clone().ok_or(("opensearch_index", "an OpenSearch table needs opensearch_index".to_string()))?;
                options.push(("connector", "opensearch".into()));
                options.push(("index", index));
            }
        }
    }
    if kind != IntegrationType::Postgresql && body.jdbc_table.is_some() {
        return Err(("jdbc_table", "jdbc_table is a setting of tables over a PostgreSQL integration".into()));
    }
    if kind != IntegrationType::Opensearch && body.opensearch_index.is_some() {
        return Err(("opensearch_index", "opensearch_index is a setting of tables over an OpenSearch integration".into()));
    }
    let with: Vec<String> = options.iter().map(|(k, v)| format!("  {} = {}", quote(k), quote(v))).collect();
    Ok(format!("CREATE TABLE `{}` (\n  {}\n) WITH (\n{}\n)", name.replace('`', "``"), body.schema_sql.trim(), with.join(",\n")))
}

/// The columns of a `CREATE TABLE`, each with its type as written.
pub fn columns(create_table: &str) -> Result<Vec<TableColumn>, Diagnostic> {
    let statements = sluice_sql::parse_statements(create_table)?;
    let Some(Statement::CreateTable(table)) = statements.first() else { return Ok(vec![]) };
    Ok(table
        .columns
        .iter()
        .map(|c| TableColumn {
            name: c.name.value.clone(),
            data_type: create_table.get(c.name.span.end as usize..c.span.end as usize).unwrap_or("").trim().trim_start_matches('`').trim().to_string(),
        })
        .collect())
}
