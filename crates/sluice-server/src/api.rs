//! The resources of the REST API, as JSON. The CLI uses these types and nothing else of
//! the server. Field names follow Aiven's API for Flink applications.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/applications`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    /// Unique among applications; 1 to 128 characters.
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
    /// Aiven's integration of the table; accepted and kept, not used yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_id: Option<String>,
}

/// `POST /api/v1/applications/{id}/versions` (and `.../versions/validate`): the format of
/// Aiven's application version files.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVersion {
    pub sources: Vec<VersionTable>,
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
