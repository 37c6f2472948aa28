//! The job service from the command line: `sluice server`, `sluice token`, and the client
//! commands (`sluice integration|table|job|application|deployment ...`) that talk to a
//! server only through the REST API and the types of `sluice_server::api`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use serde::de::DeserializeOwned;
use sluice_server::api::*;

pub const SERVER_EXAMPLES: &str = "Examples:
  sluice token create --scope write                      (prints a token once)
  sluice server                                          (127.0.0.1:8083, store in ~/.local/state/sluice/)
  sluice server --listen 0.0.0.0:8083 --store sqlite:///var/lib/sluice/sluice.db";

#[derive(Args)]
pub struct ServerArgs {
    /// The address to listen on
    #[arg(long, default_value = "127.0.0.1:8083")]
    listen: std::net::SocketAddr,
    /// The metadata store, sqlite:///path/to/sluice.db [default: ~/.local/state/sluice/sluice.db]
    #[arg(long)]
    store: Option<String>,
    /// Where deployments keep their scripts, checkpoints, savepoints and logs [default: ~/.local/state/sluice]
    #[arg(long)]
    state_dir: Option<std::path::PathBuf>,
    /// How often every deployment takes a checkpoint (Flink's execution.checkpointing.interval)
    #[arg(long, default_value = "10 s")]
    checkpoint_interval: String,
    /// The delay before a failed deployment's first restart, in milliseconds; it doubles with each failure in a row, up to 30 s
    #[arg(long, default_value_t = 1000)]
    restart_backoff_ms: u64,
}

fn state_root() -> std::path::PathBuf {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from).unwrap_or_else(|| ".".into());
    home.join(".local/state/sluice")
}

pub fn serve(args: ServerArgs) -> ExitCode {
    let store_url = args.store.unwrap_or_else(sluice_server::default_store_url);
    let worker_bin = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot find the sluice binary to run workers with: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = sluice_server::ServerConfig {
        listen: args.listen,
        store_url,
        state_dir: args.state_dir.unwrap_or_else(state_root),
        worker_bin,
        checkpoint_interval: args.checkpoint_interval,
        restart_backoff: Duration::from_millis(args.restart_backoff_ms),
    };
    match sluice_server::serve(config, |addr, store| eprintln!("[sluice] server listening on http://{addr} (store {store})")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a bearer token; it is printed once and stored only as a hash
    Create {
        /// The metadata store the server uses [default: ~/.local/state/sluice/sluice.db]
        #[arg(long)]
        store: Option<String>,
        /// `read` (GET only) or `write` (everything)
        #[arg(long, value_parser = ["read", "write"])]
        scope: String,
    },
}

pub fn token(command: TokenCommand) -> ExitCode {
    let TokenCommand::Create { store, scope } = command;
    let url = store.unwrap_or_else(sluice_server::default_store_url);
    let result = sluice_server::Store::open(&url).map_err(anyhow::Error::from).and_then(|store| {
        let scope = sluice_server::auth::Scope::parse(&scope).ok_or_else(|| anyhow!("scope is read or write"))?;
        Ok(sluice_server::auth::create_token(&store, scope)?)
    });
    match result {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Which server, and how to print.
#[derive(Args, Clone)]
pub struct ClientArgs {
    /// The server's URL
    #[arg(long, env = "SLUICE_URL", default_value = "http://127.0.0.1:8083", global = true)]
    url: String,
    /// A bearer token from `sluice token create`
    #[arg(long, env = "SLUICE_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the server's JSON (for jq) instead of a table
    #[arg(long, global = true)]
    json: bool,
}

pub const APPLICATION_EXAMPLES: &str = "Examples:
  sluice application create '{\"name\": \"BasicFiltering\"}'
  sluice application list --json | jq -r '.applications[] | select(.name == \"BasicFiltering\").id'
  sluice application version create --application-id $APP_ID @01-basic-filtering.json
  sluice application version validate --application-id $APP_ID @01-basic-filtering.json
  sluice application get $APP_ID --json | jq -r '.application_versions[] | select(.version == 1).id'";

#[derive(Subcommand)]
pub enum ApplicationCommand {
    /// Create an application from JSON ('{"name": "..."}', inline or @file.json)
    Create { body: String },
    /// List applications
    List,
    /// Show an application and its versions
    Get { application_id: String },
    /// Delete an application (none of its deployments may run)
    Delete { application_id: String },
    /// Versions of an application
    #[command(subcommand)]
    Version(VersionCommand),
}

#[derive(Subcommand)]
pub enum VersionCommand {
    /// Create the next version from JSON with sources, sinks and statement (inline or @file.json)
    Create {
        #[arg(long)]
        application_id: String,
        body: String,
    },
    /// Check a version's SQL without creating it; errors have a line and column
    Validate {
        #[arg(long)]
        application_id: String,
        body: String,
    },
    /// Show a version
    Get {
        #[arg(long)]
        application_id: String,
        #[arg(long)]
        version_id: String,
    },
}

pub const DEPLOYMENT_EXAMPLES: &str = "Examples:
  sluice deployment create --application-id $APP_ID '{\"parallelism\": 1, \"restart_enabled\": true, \"version_id\": \"'$VERSION_ID'\"}'
  sluice deployment get --application-id $APP_ID --deployment-id $DEP_ID --wait RUNNING --timeout 120
  sluice deployment stop --application-id $APP_ID --deployment-id $DEP_ID --wait FINISHED   (savepoint in .last_savepoint)
  sluice deployment create --application-id $APP_ID '{\"version_id\": \"'$VERSION_ID'\", \"starting_savepoint\": \"'$SAVEPOINT'\"}'";

#[derive(Subcommand)]
pub enum DeploymentCommand {
    /// Deploy a version from JSON (version_id, parallelism, restart_enabled, starting_savepoint)
    Create {
        #[arg(long)]
        application_id: String,
        body: String,
    },
    /// List an application's deployments
    List {
        #[arg(long)]
        application_id: String,
    },
    /// Show a deployment; with --wait, until it reaches a status
    Get {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        wait: Wait,
    },
    /// Stop with a savepoint (SIGTERM: a final checkpoint), then FINISHED
    Stop {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        wait: Wait,
    },
    /// Stop at once without a savepoint (SIGKILL), then CANCELED
    Cancel {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        wait: Wait,
    },
    /// Delete a deployment that has ended (FINISHED, CANCELED or FAILED)
    Delete {
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Args)]
pub struct Target {
    #[arg(long)]
    application_id: String,
    #[arg(long)]
    deployment_id: String,
}

#[derive(Args)]
pub struct Wait {
    /// Wait until the deployment has this status (e.g. RUNNING, FINISHED); fail if it ends in another
    #[arg(long, value_name = "STATUS")]
    wait: Option<String>,
    /// How long --wait waits, in seconds
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

struct Client {
    args: ClientArgs,
    agent: ureq::Agent,
}

impl Client {
    fn new(args: ClientArgs) -> Client {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
        Client { args, agent }
    }

    fn call<T: DeserializeOwned>(&self, method: &str, path: &str, body: Option<&str>) -> Result<T> {
        let url = format!("{}{path}", self.args.url.trim_end_matches('/'));
        let mut request = self.agent.request(method, &url);
        if let Some(token) = &self.args.token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let response = match body {
            Some(body) => request.set("Content-Type", "application/json").send_string(body),
            None => request.call(),
        };
        let text = match response {
            Ok(r) => r.into_string().context("reading the server's answer")?,
            Err(ureq::Error::Status(code, r)) => {
                let text = r.into_string().unwrap_or_default();
                let Ok(error) = serde_json::from_str::<ErrorBody>(&text) else { bail!("the server answered {code}: {text}") };
                let mut message = error.message;
                if let (Some(field), true) = (&error.field, error.errors.is_empty()) {
                    message.push_str(&format!(" (field \"{field}\")"));
                }
                for e in &error.errors {
                    message.push_str(&format!("\n  {}", sql_error_line(e)));
                }
                if code == 401 {
                    message.push_str("\n  = hint: Pass a token from `sluice token create` with --token or SLUICE_TOKEN.");
                }
                bail!(message)
            }
            Err(e) => bail!("cannot reach the server at {}: {e}", self.args.url),
        };
        serde_json::from_str(&text).with_context(|| format!("the server's answer is not what this sluice expects: {text}"))
    }
}

fn sql_error_line(e: &SqlError) -> String {
    let at = match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", e.field),
        _ => e.field.clone(),
    };
    match &e.hint {
        Some(hint) => format!("{at}: {} ({hint})", e.message),
        None => format!("{at}: {}", e.message),
    }
}

/// A JSON argument: inline, or `@file.json`; checked against the API type before sending.
fn body_arg<T: DeserializeOwned + serde::Serialize>(arg: &str) -> Result<String> {
    let text = match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("cannot read \"{path}\""))?,
        None => arg.to_string(),
    };
    let value: T = serde_json::from_str(&text).with_context(|| "the JSON argument does not fit".to_string())?;
    Ok(serde_json::to_string(&value)?)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn finish(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_application(app: &Application) {
    println!("{:<36}  {:<30}  {}", app.id, app.name, app.application_versions.len());
}

pub fn application(args: ClientArgs, command: ApplicationCommand) -> ExitCode {
    let json = args.json;
    let client = Client::new(args);
    finish((|| {
        match command {
            ApplicationCommand::Create { body } => {
                let app: Application = client.call("POST", "/api/v1/applications", Some(&body_arg::<CreateApplication>(&body)?))?;
                if json { print_json(&app)? } else { println!("{}", app.id) }
            }
            ApplicationCommand::List => {
                let list: ApplicationList = client.call("GET", "/api/v1/applications", None)?;
                if json {
                    print_json(&list)?
                } else {
                    println!("{:<36}  {:<30}  VERSIONS", "ID", "NAME");
                    list.applications.iter().for_each(print_application);
                }
            }
            ApplicationCommand::Get { application_id } => {
                let app: Application = client.call("GET", &format!("/api/v1/applications/{application_id}"), None)?;
                if json {
                    print_json(&app)?
                } else {
                    println!("{} ({})", app.name, app.id);
                    println!("{:<36}  VERSION  CREATED", "VERSION ID");
                    for v in &app.application_versions {
                        println!("{:<36}  {:>7}  {}", v.id, v.version, v.created_at);
                    }
                }
            }
            ApplicationCommand::Delete { application_id } => {
                let app: Application = client.call("DELETE", &format!("/api/v1/applications/{application_id}"), None)?;
                if json { print_json(&app)? } else { println!("deleted {}", app.id) }
            }
            ApplicationCommand::Version(VersionCommand::Create { application_id, body }) => {
                let v: ApplicationVersion = client.call(
                    "POST",
                    &format!("/api/v1/applications/{application_id}/versions"),
                    Some(&body_arg::<CreateVersion>(&body)?),
                )?;
                if json { print_json(&v)? } else { println!("{}  version {}", v.id, v.version) }
            }
            ApplicationCommand::Version(VersionCommand::Validate { application_id, body }) => {
                let v: Validation = client.call(
                    "POST",
                    &format!("/api/v1/applications/{application_id}/versions/validate"),
                    Some(&body_arg::<CreateVersion>(&body)?),
                )?;
                if json {
                    print_json(&v)?
                } else if v.valid {
                    println!("valid")
                } else {
                    let lines: Vec<String> = v.errors.iter().map(sql_error_line).collect();
                    bail!("the version does not validate:\n  {}", lines.join("\n  "))
                }
                if !v.valid {
                    bail!("the version does not validate")
                }
            }
            ApplicationCommand::Version(VersionCommand::Get { application_id, version_id }) => {
                let v: ApplicationVersion =
                    client.call("GET", &format!("/api/v1/applications/{application_id}/versions/{version_id}"), None)?;
                if json {
                    print_json(&v)?
                } else {
                    println!("version {} ({}) of application {}", v.version, v.id, v.application_id);
                    for (what, tables) in [("source", &v.sources), ("sink", &v.sinks)] {
                        for t in tables {
                            println!("-- {what}\n{};", t.create_table.trim().trim_end_matches(';'));
                        }
                    }
                    println!("-- statement\n{}", v.statement.trim());
                }
            }
        }
        Ok(())
    })())
}

fn print_deployment_header() {
    println!("{:<36}  {:<16}  {:>3}  {:>8}  VERSION ID", "ID", "STATUS", "PAR", "RESTARTS");
}

fn print_deployment(d: &Deployment) {
    println!("{:<36}  {:<16}  {:>3}  {:>8}  {}", d.id, d.status.as_str(), d.parallelism, d.restarts, d.version_id);
}

fn show_deployment(d: &Deployment, json: bool) -> Result<()> {
    if json {
        return print_json(d);
    }
    print_deployment_header();
    print_deployment(d);
    if let Some(s) = &d.last_savepoint {
        println!("savepoint: {s}");
    }
    if let Some(e) = &d.error_msg {
        println!("last error:\n{e}");
    }
    Ok(())
}

/// Polls a deployment until it has `status`; an end in another final status fails.
fn wait_for(client: &Client, path: &str, status: &str, timeout: u64) -> Result<Deployment> {
    let want = DeploymentStatus::parse(status).ok_or_else(|| anyhow!("--wait: \"{status}\" is not a deployment status"))?;
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let d: Deployment = client.call("GET", path, None)?;
        if d.status == want {
            return Ok(d);
        }
        if d.status.is_terminal() {
            bail!("deployment {} ended {} while waiting for {}{}", d.id, d.status.as_str(), want.as_str(),
                d.error_msg.as_deref().map(|e| format!(":\n{e}")).unwrap_or_default());
        }
        if Instant::now() >= deadline {
            bail!("deployment {} is still {} after {timeout} s of waiting for {}", d.id, d.status.as_str(), want.as_str());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub fn deployment(args: ClientArgs, command: DeploymentCommand) -> ExitCode {
    let json = args.json;
    let client = Client::new(args);
    finish((|| {
        let path = |t: &Target| format!("/api/v1/applications/{}/deployments/{}", t.application_id, t.deployment_id);
        match command {
            DeploymentCommand::Create { application_id, body } => {
                let d: Deployment = client.call(
                    "POST",
                    &format!("/api/v1/applications/{application_id}/deployments"),
                    Some(&body_arg::<CreateDeployment>(&body)?),
                )?;
                if json { print_json(&d)? } else { println!("{}", d.id) }
            }
            DeploymentCommand::List { application_id } => {
                let list: DeploymentList = client.call("GET", &format!("/api/v1/applications/{application_id}/deployments"), None)?;
                if json {
                    print_json(&list)?
                } else {
                    print_deployment_header();
                    list.deployments.iter().for_each(print_deployment);
                }
            }
            DeploymentCommand::Get { target, wait } => {
                let d: Deployment = match &wait.wait {
                    Some(status) => wait_for(&client, &path(&target), status, wait.timeout)?,
                    None => client.call("GET", &path(&target), None)?,
                };
                show_deployment(&d, json)?
            }
            DeploymentCommand::Stop { target, wait } => {
                let mut d: Deployment = client.call("POST", &format!("{}/stop", path(&target)), Some("{}"))?;
                if let Some(status) = &wait.wait {
                    d = wait_for(&client, &path(&target), status, wait.timeout)?;
                }
                show_deployment(&d, json)?
            }
            DeploymentCommand::Cancel { target, wait } => {
                let mut d: Deployment = client.call("POST", &format!("{}/cancel", path(&target)), Some("{}"))?;
                if let Some(status) = &wait.wait {
                    d = wait_for(&client, &path(&target), status, wait.timeout)?;
                }
                show_deployment(&d, json)?
            }
            DeploymentCommand::Delete { target } => {
                let d: Deployment = client.call("DELETE", &path(&target), None)?;
                if json { print_json(&d)? } else { println!("deleted {}", d.id) }
            }
        }
        Ok(())
    })())
}

pub const INTEGRATION_EXAMPLES: &str = "Examples:
  sluice integration create kafka --name demo-kafka --bootstrap-servers kafka-1:9092
  sluice integration create kafka --name secure-kafka --bootstrap-servers kafka-1:9093 --security-protocol SASL_SSL \\
      --sasl-mechanism SCRAM-SHA-256 --username avnadmin --ssl-ca-file ca.pem   (password from SLUICE_INTEGRATION_PASSWORD)
  sluice integration create postgresql --name demo-pg --connection-url jdbc:postgresql://db:5432/app --username app
  sluice integration create opensearch --name demo-os --connection-url http://os:9200
  sluice integration list --json | jq -r '.integrations[] | select(.name == \"demo-kafka\").id'";

#[derive(Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration; secrets are write-only (no answer shows them)
    Create(CreateIntegrationArgs),
    /// List integrations (without their secrets)
    List,
    /// Show an integration (without its secrets)
    Get { integration_id: String },
    /// Delete an integration no table uses
    Delete { integration_id: String },
}

#[derive(Args)]
pub struct CreateIntegrationArgs {
    /// What it connects to
    #[arg(value_parser = ["kafka", "postgresql", "opensearch"])]
    integration_type: String,
    #[arg(long)]
    name: String,
    /// Kafka: host:port[,host:port...]
    #[arg(long)]
    bootstrap_servers: Option<String>,
    /// Kafka: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    #[arg(long)]
    security_protocol: Option<String>,
    /// Kafka: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
    #[arg(long)]
    sasl_mechanism: Option<String>,
    /// Kafka (SASL), PostgreSQL or OpenSearch user
    #[arg(long)]
    username: Option<String>,
    /// The user's password; better from the environment than on a command line others can see
    #[arg(long, env = "SLUICE_INTEGRATION_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Kafka: the CA certificate (PEM file on the server's machine)
    #[arg(long)]
    ssl_ca_file: Option<String>,
    /// Kafka: the client certificate (PEM)
    #[arg(long)]
    ssl_cert_file: Option<String>,
    /// Kafka: the client key (PEM)
    #[arg(long)]
    ssl_key_file: Option<String>,
    /// Kafka: the client key's password
    #[arg(long, env = "SLUICE_INTEGRATION_SSL_KEY_PASSWORD", hide_env_values = true)]
    ssl_key_password: Option<String>,
    /// PostgreSQL: jdbc:postgresql://host:port/database; OpenSearch: http(s)://host:port
    /// (`--url` is the server's)
    #[arg(long = "connection-url", id = "connection_url")]
    connection_url: Option<String>,
}

fn print_integration(i: &Integration) {
    println!("{:<36}  {:<10}  {:<20}  {}", i.id, i.integration_type.as_str(), i.name, i.bootstrap_servers.as_deref().or(i.url.as_deref()).unwrap_or(""));
}

pub fn integration(args: ClientArgs, command: IntegrationCommand) -> ExitCode {
    let json = args.json;
    let client = Client::new(args);
    finish((|| {
        let header = || println!("{:<36}  {:<10}  {:<20}  CONNECTS TO", "ID", "TYPE", "NAME");
        match command {
            IntegrationCommand::Create(a) => {
                let integration_type = match a.integration_type.as_str() {
                    "kafka" => IntegrationType::Kafka,
                    "postgresql" => IntegrationType::Postgresql,
                    _ => IntegrationType::Opensearch,
                };
                let body = CreateIntegration {
                    integration_type,
                    name: a.name,
                    bootstrap_servers: a.bootstrap_servers,
                    security_protocol: a.security_protocol,
                    sasl_mechanism: a.sasl_mechanism,
                    username: a.username,
                    password: a.password,
                    ssl_ca_file: a.ssl_ca_file,
                    ssl_cert_file: a.ssl_cert_file,
                    ssl_key_file: a.ssl_key_file,
                    ssl_key_password: a.ssl_key_password,
                    url: a.connection_url,
                };
                let i: Integration = client.call("POST", "/api/v1/integrations", Some(&serde_json::to_string(&body)?))?;
                if json { print_json(&i)? } else { println!("{}", i.id) }
            }
            IntegrationCommand::List => {
                let list: IntegrationList = client.call("GET", "/api/v1/integrations", None)?;
                if json {
                    print_json(&list)?
                } else {
                    header();
                    list.integrations.iter().for_each(print_integration);
                }
            }
            IntegrationCommand::Get { integration_id } => {
                let i: Integration = client.call("GET", &format!("/api/v1/integrations/{integration_id}"), None)?;
                if json {
                    print_json(&i)?
                } else {
                    header();
                    print_integration(&i);
                }
            }
            IntegrationCommand::Delete { integration_id } => {
                let i: Integration = client.call("DELETE", &format!("/api/v1/integrations/{integration_id}"), None)?;
                if json { print_json(&i)? } else { println!("deleted {}", i.id) }
            }
        }
        Ok(())
    })())
}

pub const TABLE_EXAMPLES: &str = "Examples (the flags of Aiven's `avn service flink table create`):
  sluice table create $KAFKA_INTEGRATION_ID --table-name iot_in --kafka-topic iot-data-input \\
      --kafka-connector-type kafka --kafka-value-format json --kafka-startup-mode earliest-offset \\
      --schema-sql 'hostname VARCHAR, usage DOUBLE, occurred_at BIGINT'
  sluice table list --json | jq -r '.tables[] | select(.table_name == \"iot_in\") | .table_id'";

#[derive(Subcommand)]
pub enum TableCommand {
    /// Create a table over an integration
    Create(CreateTableArgs),
    /// List tables
    List,
    /// Show a table and its CREATE TABLE
    Get { table_id: String },
    /// Delete a table (jobs that use it keep running)
    Delete { table_id: String },
}

#[derive(Args)]
pub struct CreateTableArgs {
    /// The integration the table reads or writes through
    integration_id: String,
    #[arg(short = 'n', long)]
    table_name: String,
    /// Kafka: the topic
    #[arg(long)]
    kafka_topic: Option<String>,
    /// Kafka: kafka (default) or upsert-kafka
    #[arg(long, value_parser = ["kafka", "upsert-kafka"])]
    kafka_connector_type: Option<String>,
    /// Kafka: the key format
    #[arg(long)]
    kafka_key_format: Option<String>,
    /// Kafka: the key's columns
    #[arg(long, num_args = 0..)]
    kafka_key_fields: Vec<String>,
    /// Kafka: the value format (json, avro, ...)
    #[arg(long)]
    kafka_value_format: Option<String>,
    /// Kafka: earliest-offset or latest-offset
    #[arg(long, value_parser = ["earliest-offset", "latest-offset"])]
    kafka_startup_mode: Option<String>,
    /// PostgreSQL: the table in the database
    #[arg(long)]
    jdbc_table: Option<String>,
    /// OpenSearch: the index
    #[arg(long)]
    opensearch_index: Option<String>,
    /// The columns, watermark and primary key, as inside CREATE TABLE name (...)
    #[arg(short = 's', long)]
    schema_sql: String,
}

fn print_table(t: &Table) {
    println!("{:<36}  {:<20}  {}", t.table_id, t.table_name, t.integration_id);
}

pub fn table(args: ClientArgs, command: TableCommand) -> ExitCode {
    let json = args.json;
    let client = Client::new(args);
    finish((|| {
        let header = || println!("{:<36}  {:<20}  INTEGRATION", "ID", "NAME");
        match command {
            TableCommand::Create(a) => {
                let body = CreateTable {
                    integration_id: a.integration_id,
                    name: a.table_name,
                    schema_sql: a.schema_sql,
                    kafka_topic: a.kafka_topic,
                    kafka_connector_type: a.kafka_connector_type,
                    kafka_key_format: a.kafka_key_format,
                    kafka_key_fields: a.kafka_key_fields,
                    kafka_value_format: a.kafka_value_format,
                    kafka_startup_mode: a.kafka_startup_mode,
                    jdbc_table: a.jdbc_table,
                    opensearch_index: a.opensearch_index,
                    like_options: None,
                };
                let t: Table = client.call("POST", "/api/v1/tables", Some(&serde_json::to_string(&body)?))?;
                if json { print_json(&t)? } else { println!("{}", t.table_id) }
            }
            TableCommand::List => {
                let list: TableList = client.call("GET", "/api/v1/tables", None)?;
                if json {
                    print_json(&list)?
                } else {
                    header();
                    list.tables.iter().for_each(print_table);
                }
            }
            TableCommand::Get { table_id } => {
                let t: Table = client.call("GET", &format!("/api/v1/tables/{table_id}"), None)?;
                if json {
                    print_json(&t)?
                } else {
                    header();
                    print_table(&t);
                    println!("{};", t.create_table);
                }
            }
            TableCommand::Delete { table_id } => {
                let t: Table = client.call("DELETE", &format!("/api/v1/tables/{table_id}"), None)?;
                if json { print_json(&t)? } else { println!("deleted {}", t.table_id) }
            }
        }
        Ok(())
    })())
}

pub const JOB_EXAMPLES: &str = "Examples (the flags of Aiven's `avn service flink job create`):
  sluice job create my_first_filter --table-ids $TABLE_IN_ID $TABLE_OUT_ID \\
      --statement 'insert into iot_filtered_alert select hostname, usage from iot_in where usage > 90'
  sluice job get $JOB_ID --json | jq -r .state
  sluice job cancel $JOB_ID";

#[derive(Subcommand)]
pub enum JobCommand {
    /// Create a job over tables and run it (as a deployment that restarts on failure)
    Create {
        job_name: String,
        /// The tables it reads and writes
        #[arg(short = 't', long, num_args = 0..)]
        table_ids: Vec<String>,
        /// The INSERT INTO (or EXECUTE STATEMENT SET) that runs
        #[arg(short = 's', long)]
        statement: String,
    },
    /// List jobs and their states
    List,
    /// Show a job; with --wait, until it reaches a state (e.g. RUNNING)
    Get {
        job_id: String,
        #[command(flatten)]
        wait: Wait,
    },
    /// Stop a job at once, without a savepoint
    Cancel { job_id: String },
}

pub fn job(args: ClientArgs, command: JobCommand) -> ExitCode {
    let json = args.json;
    let client = Client::new(args);
    finish((|| {
        match command {
            JobCommand::Create { job_name, table_ids, statement } => {
                let body = CreateJob { job_name, statement, table_ids };
                let j: JobCreated = client.call("POST", "/api/v1/jobs", Some(&serde_json::to_string(&body)?))?;
                if json { print_json(&j)? } else { println!("{}", j.job_id) }
            }
            JobCommand::List => {
                let list: JobList = client.call("GET", "/api/v1/jobs", None)?;
                if json {
                    print_json(&list)?
                } else {
                    println!("{:<36}  {:<12}  NAME", "ID", "STATE");
                    for j in &list.jobs {
                        println!("{:<36}  {:<12}  {}", j.id, j.status, j.name);
                    }
                }
            }
            JobCommand::Get { job_id, wait } => {
                let path = format!("/api/v1/jobs/{job_id}");
                let mut j: Job = client.call("GET", &path, None)?;
                if let Some(state) = &wait.wait {
                    let deadline = Instant::now() + Duration::from_secs(wait.timeout);
                    while !j.state.eq_ignore_ascii_case(state) {
                        if j.deployment.status.is_terminal() {
                            bail!("job {} ended {} while waiting for {state}{}", j.jid, j.state,
                                j.deployment.error_msg.as_deref().map(|e| format!(":\n{e}")).unwrap_or_default());
                        }
                        if Instant::now() >= deadline {
                            bail!("job {} is still {} after {} s of waiting for {state}", j.jid, j.state, wait.timeout);
                        }
                        std::thread::sleep(Duration::from_millis(200));
                        j = client.call("GET", &path, None)?;
                    }
                }
                if json {
                    print_json(&j)?
                } else {
                    println!("{:<36}  {:<12}  NAME", "ID", "STATE");
                    println!("{:<36}  {:<12}  {}", j.jid, j.state, j.name);
                    if let Some(e) = &j.deployment.error_msg {
                        println!("last error:\n{e}");
                    }
                }
            }
            JobCommand::Cancel { job_id } => {
                let d: Deployment = client.call("POST", &format!("/api/v1/jobs/{job_id}/cancel"), Some("{}"))?;
                if json { print_json(&d)? } else { println!("job {job_id} is {}", d.status.as_str()) }
            }
        }
        Ok(())
    })())
}
