//! The resources of the REST API, as JSON. The CLI uses these types and nothing else of
//! the server. Field names follow Aiven's API for Flink applications.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/applications`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    /// Unique among applications; 1 to 128 characters.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
}

/// An application: a name, and its immutable versions.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    /// Its versions, oldest first (without their SQL; get a version for that).
    #[serde(default)]
    pub application_versions: Vec<VersionSummary>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VersionSummary {
    pub id: String,
    pub version: u32,
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationList {
    pub applications: Vec<Application>,
}

/// A source or sink table of a version: a `CREATE TABLE` statement.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionTable {
    pub create_table: String,
    /// An integration that supplies the table's connection options (bootstrap servers,
    /// URL, credentials) where its `WITH` clause leaves them out or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_id: Option<String>,
}

/// `POST /api/v1/applications/{id}/versions` (and `.../versions/validate`): the format of
/// Aiven's application version files.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVersion {
    #[schema(min_items = 1)]
    pub sources: Vec<VersionTable>,
    #[schema(min_items = 1)]
    pub sinks: Vec<VersionTable>,
    /// The `INSERT INTO ...` (or `EXECUTE STATEMENT SET`) that runs.
    pub statement: String,
}

/// An immutable, numbered version of an application.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationVersion {
    pub id: String,
    pub application_id: String,
    pub version: u32,
    pub sources: Vec<VersionTable>,
    pub sinks: Vec<VersionTable>,
    pub statement: String,
    pub created_at: String,
}

/// One problem found by validation, at a line and column of the piece named by `field`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SqlError {
    /// Which piece of the version: `sources[0].create_table`, `sinks[1].create_table`,
    /// or `statement`.
    pub field: String,
    pub message: String,
    /// 1-based, within that piece; absent when the error has no position.
    pub line: Option<u32>,
    pub column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Validation {
    pub valid: bool,
    pub errors: Vec<SqlError>,
}

/// `POST /api/v1/applications/{id}/deployments`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeployment {
    pub version_id: String,
    /// Operator instances per job (Flink's `parallelism.default`); 1 to 128.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 128)]
    pub parallelism: u32,
    /// Restart a failed worker from its last checkpoint, with backoff.
    #[serde(default = "yes")]
    pub restart_enabled: bool,
    /// A savepoint folder (`last_savepoint` of a stopped deployment) to start from.
    #[serde(default)]
    pub starting_savepoint: Option<String>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// Aiven's deployment statuses.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStatus {
    Created,
    Initializing,
    Running,
    Restarting,
    Failed,
    Finished,
    SavingAndStop,
    Cancelling,
    Canceled,
}

impl DeploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::Created => "CREATED",
            DeploymentStatus::Initializing => "INITIALIZING",
            DeploymentStatus::Running => "RUNNING",
            DeploymentStatus::Restarting => "RESTARTING",
            DeploymentStatus::Failed => "FAILED",
            DeploymentStatus::Finished => "FINISHED",
            DeploymentStatus::SavingAndStop => "SAVING_AND_STOP",
            DeploymentStatus::Cancelling => "CANCELLING",
            DeploymentStatus::Canceled => "CANCELED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_ascii_uppercase())).ok()
    }

    /// Whether a deployment in this status will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, DeploymentStatus::Failed | DeploymentStatus::Finished | DeploymentStatus::Canceled)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Deployment {
    pub id: String,
    pub application_id: String,
    pub version_id: String,
    pub parallelism: u32,
    pub restart_enabled: bool,
    pub starting_savepoint: Option<String>,
    pub status: DeploymentStatus,
    /// The savepoint written when the deployment was stopped.
    pub last_savepoint: Option<String>,
    /// Why it failed (the worker's last error lines).
    pub error_msg: Option<String>,
    /// How many times its worker was restarted after a failure.
    pub restarts: u32,
    /// The worker process, while one runs.
    pub worker_pid: Option<u32>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeploymentList {
    pub deployments: Vec<Deployment>,
}

/// Every error answer: what went wrong, and for a bad request the field at fault.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// SQL problems, for a version that does not validate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<SqlError>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// What an integration connects to.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationType {
    Kafka,
    Postgresql,
    Opensearch,
}

impl IntegrationType {
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationType::Kafka => "kafka",
            IntegrationType::Postgresql => "postgresql",
            IntegrationType::Opensearch => "opensearch",
        }
    }
}

/// `POST /api/v1/integrations`: named connection settings that tables refer to by id,
/// so that no table or version repeats them. `password` and `ssl_key_password` are
/// write-only: no answer, log line or error shows them. `PUT` takes the same body; there
/// a secret left out keeps its stored value and an empty one removes it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegration {
    pub integration_type: IntegrationType,
    /// Unique among integrations; 1 to 128 characters.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
    /// Kafka: `host:port[,host:port...]`.
    #[serde(default)]
    pub bootstrap_servers: Option<String>,
    /// Kafka: `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`.
    #[serde(default)]
    pub security_protocol: Option<String>,
    /// Kafka: `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    #[serde(default)]
    pub sasl_mechanism: Option<String>,
    /// Kafka (SASL), PostgreSQL or OpenSearch user.
    #[serde(default)]
    pub username: Option<String>,
    /// The user's password (write-only).
    #[serde(default)]
    pub password: Option<String>,
    /// Kafka: PEM files on the server's machine.
    #[serde(default)]
    pub ssl_ca_file: Option<String>,
    #[serde(default)]
    pub ssl_cert_file: Option<String>,
    #[serde(default)]
    pub ssl_key_file: Option<String>,
    /// The password of `ssl_key_file` (write-only).
    #[serde(default)]
    pub ssl_key_password: Option<String>,
    /// PostgreSQL: `jdbc:postgresql://host:port/db`; OpenSearch: `http://host:port`.
    #[serde(default)]
    pub url: Option<String>,
}

/// An integration as the API shows it: its settings without their secrets, which are
/// reported only as set or not.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Integration {
    pub id: String,
    pub name: String,
    pub integration_type: IntegrationType,
    pub bootstrap_servers: Option<String>,
    pub security_protocol: Option<String>,
    pub sasl_mechanism: Option<String>,
    pub username: Option<String>,
    pub password_set: bool,
    pub ssl_ca_file: Option<String>,
    pub ssl_cert_file: Option<String>,
    pub ssl_key_file: Option<String>,
    pub ssl_key_password_set: bool,
    pub url: Option<String>,
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IntegrationList {
    pub integrations: Vec<Integration>,
}

/// `POST /api/v1/tables`: a table of the older workflow (Aiven's `flink table create`):
/// a column list over an integration, with the connector settings as flags.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTable {
    pub integration_id: String,
    /// The table's name in SQL.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
    /// The columns, watermark and primary key: what goes between the parentheses of
    /// `CREATE TABLE name (...)`.
    pub schema_sql: String,
    #[serde(default)]
    pub kafka_topic: Option<String>,
    /// `kafka` (default) or `upsert-kafka`.
    #[serde(default)]
    pub kafka_connector_type: Option<String>,
    #[serde(default)]
    pub kafka_key_format: Option<String>,
    #[serde(default)]
    pub kafka_key_fields: Vec<String>,
    #[serde(default)]
    pub kafka_value_format: Option<String>,
    /// `earliest-offset` or `latest-offset`.
    #[serde(default)]
    pub kafka_startup_mode: Option<String>,
    /// PostgreSQL: the table in the database.
    #[serde(default)]
    pub jdbc_table: Option<String>,
    /// OpenSearch: the index.
    #[serde(default)]
    pub opensearch_index: Option<String>,
    /// Accepted as Aiven's client sends it; `LIKE` clauses are not supported yet.
    #[serde(default)]
    pub like_options: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TableColumn {
    pub name: String,
    /// The SQL type as written; `AS ...` for a computed column.
    pub data_type: String,
}

/// A table: Aiven's fields, and the `CREATE TABLE` it stands for (without the
/// integration's settings, which are filled in when a job runs).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Table {
    pub table_id: String,
    pub table_name: String,
    pub integration_id: String,
    pub schema_sql: String,
    pub columns: Vec<TableColumn>,
    pub create_table: String,
    pub created_at: String,
    /// The body the table was created or last edited with (absent for tables stored
    /// by an older Sluice, which did not keep it): what an edit starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<CreateTable>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TableList {
    pub tables: Vec<Table>,
}

/// `POST /api/v1/jobs`: a statement over tables, run at once as a deployment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJob {
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub job_name: String,
    /// The `INSERT INTO ...` (or `EXECUTE STATEMENT SET`) that runs.
    pub statement: String,
    /// The tables it reads and writes.
    #[serde(default)]
    pub table_ids: Vec<String>,
}

/// `POST /api/v1/jobs` answers with the new job's id and name.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobCreated {
    pub job_id: String,
    pub job_name: String,
}

/// A job in a list: Aiven's `id` and `status` (Flink's job states).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobSummary {
    pub id: String,
    pub name: String,
    pub status: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobSummary>,
}

/// A job as Flink's REST API describes one (the fields Aiven's client shows), with the
/// deployment that runs it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub jid: String,
    pub name: String,
    /// Flink's job state: `INITIALIZING`, `CREATED`, `RUNNING`, `RESTARTING`,
    /// `CANCELLING`, `CANCELED`, `FAILED` or `FINISHED`.
    pub state: String,
    /// Milliseconds since the epoch; `end-time` is -1 while it runs.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Milliseconds.
    pub duration: i64,
    #[serde(rename = "isStoppable")]
    pub is_stoppable: bool,
    #[serde(rename = "maxParallelism")]
    pub max_parallelism: u32,
    pub statement: String,
    pub table_ids: Vec<String>,
    pub deployment: Deployment,
}

/// A retained checkpoint of a deployment's job: complete (its output committed).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Checkpoint {
    pub job: String,
    pub id: u64,
    pub path: String,
    pub size_bytes: u64,
    pub completed_at: Option<String>,
}

/// A savepoint a stop wrote; `path` is what `starting_savepoint` takes.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Savepoint {
    pub path: String,
    pub size_bytes: u64,
    pub created_at: Option<String>,
}

/// `GET .../deployments/{id}/checkpoints`: the checkpoints on disk (the newest are
/// retained, older ones removed as Flink's `execution.checkpointing.num-retained`
/// says) and every savepoint, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeploymentCheckpoints {
    pub checkpoints: Vec<Checkpoint>,
    pub savepoints: Vec<Savepoint>,
}
