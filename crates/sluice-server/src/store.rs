//! `Store`: the metadata in SQLite (integrations, tables, jobs, applications, versions,
//! deployments, tokens), behind versioned migrations. Every query lives here; the routes see typed rows only.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::api::{
    Application, ApplicationVersion, CreateIntegration, CreateVersion, Deployment, DeploymentStatus, Integration, Table,
    VersionSummary,
};
use crate::integrations::{IntegrationSecrets, StoredIntegration};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store \"{url}\" is not supported: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot open the store at \"{path}\": {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("store query failed: {0}")]
    Query(#[from] rusqlite::Error),
    #[error("the store has schema version {found}, newer than this Sluice knows ({known}); upgrade Sluice")]
    TooNew { found: u32, known: u32 },
    #[error("stored JSON is damaged: {0}")]
    Json(#[from] serde_json::Error),
}

/// The schema, one migration per version, applied in order and never edited once
/// released: a change is a new entry.
const MIGRATIONS: &[(u32, &str)] = &[(
    1,
    "CREATE TABLE applications (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE application_versions (
        id TEXT PRIMARY KEY,
        application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        sources TEXT NOT NULL,
        sinks TEXT NOT NULL,
        statement TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (application_id, version)
    );
    CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        version_id TEXT NOT NULL REFERENCES application_versions(id) ON DELETE CASCADE,
        parallelism INTEGER NOT NULL,
        restart_enabled INTEGER NOT NULL,
        starting_savepoint TEXT,
        status TEXT NOT NULL,
        should_run INTEGER NOT NULL,
        last_savepoint TEXT,
        error_msg TEXT,
        restarts INTEGER NOT NULL DEFAULT 0,
        worker_pid INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        scope TEXT NOT NULL,
        created_at TEXT NOT NULL
    );",
), (
    2,
    "CREATE TABLE integrations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        integration_type TEXT NOT NULL,
        settings TEXT NOT NULL,
        secrets TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE flink_tables (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        integration_id TEXT NOT NULL REFERENCES integrations(id),
        schema_sql TEXT NOT NULL,
        create_table TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        statement TEXT NOT NULL,
        table_ids TEXT NOT NULL,
        application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        deployment_id TEXT NOT NULL,
        created_at TEXT NOT NULL
    );",
)];

/// Where the embedded store lives by default: `~/.local/state/sluice/sluice.db`.
pub fn default_store_url() -> String {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    format!("sqlite://{}", home.join(".local/state/sluice/sluice.db").display())
}

pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A random identifier, 128 bits in hex.
pub fn new_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

pub struct Store {
    conn: Mutex<Connection>,
}

/// A deployment with what only the server needs.
pub struct DeploymentRow {
    pub deployment: Deployment,
    pub should_run: bool,
}

impl Store {
    /// Opens `sqlite:///path/file.db` (creating the file and its folder) and migrates it.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let path = url
            .strip_prefix("sqlite://")
            .filter(|p| !p.is_empty())
            .ok_or_else(|| StoreError::BadUrl {
                url: url.to_string(),
                reason: "expected sqlite:///path/to/sluice.db (PostgreSQL is not supported yet)".into(),
            })?;
        let path = Path::new(path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;")?;
        let store = Store { conn: Mutex::new(conn) };
        store.migrate()?;
        Ok(store)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (every write
        // is one statement or one transaction), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.conn();
        conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")?;
        let current: u32 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > known {
            return Err(StoreError::TooNew { found: current, known });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", params![version, now()])?;
            tx.commit()?;
            tracing::info!("store migrated to schema version {version}");
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn().query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0))?)
    }

    // Tokens.

    pub fn add_token(&self, sha256: &str, scope: &str) -> Result<String, StoreError> {
        let id = new_id();
        self.conn()
            .execute("INSERT INTO tokens (id, sha256, scope, created_at) VALUES (?1, ?2, ?3, ?4)", params![id, sha256, scope, now()])?;
        Ok(id)
    }

    pub fn token_scope(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn().query_row("SELECT scope FROM tokens WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional()?)
    }

    // Applications and versions.

    /// Creates an application; `None` when the name is taken.
    pub fn create_application(&self, name: &str) -> Result<Option<Application>, StoreError> {
        let id = new_id();
        let at = now();
        let inserted = self.conn().execute(
            "INSERT INTO applications (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) ON CONFLICT (name) DO NOTHING",
            params![id, name, at],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        self.application(&id)
    }

    pub fn application(&self, id: &str) -> Result<Option<Application>, StoreError> {
        let conn = self.conn();
        let app = conn
            .query_row("SELECT id, name, created_at, updated_at FROM applications WHERE id = ?1", [id], |r| {
                Ok(Application { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, updated_at: r.get(3)?, application_versions: vec![] })
            })
            .optional()?;
        let Some(mut app) = app else { return Ok(None) };
        let mut stmt = conn.prepare("SELECT id, version, created_at FROM application_versions WHERE application_id = ?1 ORDER BY version")?;
        app.application_versions = stmt
            .query_map([id], |r| Ok(VersionSummary { id: r.get(0)?, version: r.get(1)?, created_at: r.get(2)? }))?
            .collect::<Result<_, _>>()?;
        Ok(Some(app))
    }

    pub fn applications(&self) -> Result<Vec<Application>, StoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            // A job's application is the job's business, listed with the jobs.
            let mut stmt =
                conn.prepare("SELECT id FROM applications WHERE id NOT IN (SELECT application_id FROM jobs) ORDER BY created_at, name")?;
            let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            ids
        };
        Ok(ids.iter().filter_map(|id| self.application(id).transpose()).collect::<Result<_, _>>()?)
    }

    pub fn delete_application(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.conn().execute("DELETE FROM applications WHERE id = ?1", [id])? > 0)
    }

    /// Adds the next numbered version of an application.
    pub fn create_version(&self, application_id: &str, version: &CreateVersion) -> Result<ApplicationVersion, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let number: u32 =
            tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM application_versions WHERE application_id = ?1", [application_id], |r| r.get(0))?;
        let id = new_id();
        let at = now();
        tx.execute(
            "INSERT INTO application_versions (id, application_id, version, sources, sinks, statement, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                application_id,
                number,
                serde_json::to_string(&version.sources)?,
                serde_json::to_string(&version.sinks)?,
                version.statement,
                at
            ],
        )?;
        tx.execute("UPDATE applications SET updated_at = ?2 WHERE id = ?1", params![application_id, at])?;
        tx.commit()?;
        Ok(ApplicationVersion {
            id,
            application_id: application_id.to_string(),
            version: number,
            sources: version.sources.clone(),
            sinks: version.sinks.clone(),
            statement: version.statement.clone(),
            created_at: at,
        })
    }

    pub fn version(&self, id: &str) -> Result<Option<ApplicationVersion>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT id, application_id, version, sources, sinks, statement, created_at FROM application_versions WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, u32>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, application_id, version, sources, sinks, statement, created_at)) = row else { return Ok(None) };
        Ok(Some(ApplicationVersion {
            id,
            application_id,
            version,
            sources: serde_json::from_str(&sources)?,
            sinks: serde_json::from_str(&sinks)?,
            statement,
            created_at,
        }))
    }

    // Deployments.

    pub fn create_deployment(&self, d: &Deployment) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO deployments (id, application_id, version_id, parallelism, restart_enabled, starting_savepoint, status, should_run, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)",
            params![d.id, d.application_id, d.version_id, d.parallelism, d.restart_enabled, d.starting_savepoint, d.status.as_str(), d.created_at],
        )?;
        Ok(())
    }

    const DEPLOYMENT_COLUMNS: &'static str = "id, application_id, version_id, parallelism, restart_enabled, starting_savepoint, status, \
        last_savepoint, error_msg, restarts, worker_pid, created_at, updated_at, should_run";

    fn deployment_row(r: &Row<'_>) -> rusqlite::Result<DeploymentRow> {
        let status: String = r.get(6)?;
        Ok(DeploymentRow {
            deployment: Deployment {
                id: r.get(0)?,
                application_id: r.get(1)?,
                version_id: r.get(2)?,
                parallelism: r.get(3)?,
                restart_enabled: r.get(4)?,
                starting_savepoint: r.get(5)?,
                status: DeploymentStatus::parse(&status).unwrap_or(DeploymentStatus::Failed),
                last_savepoint: r.get(7)?,
                error_msg: r.get(8)?,
                restarts: r.get(9)?,
                worker_pid: r.get(10)?,
                created_at: r.get(11)?,
                updated_at: r.get(12)?,
            },
            should_run: r.get(13)?,
        })
    }

    pub fn deployment(&self, id: &str) -> Result<Option<DeploymentRow>, StoreError> {
        let sql = format!("SELECT {} FROM deployments WHERE id = ?1", Self::DEPLOYMENT_COLUMNS);
        Ok(self.conn().query_row(&sql, [id], Self::deployment_row).optional()?)
    }

    /// The deployments of one application, or of all when `None`.
    pub fn deployments(&self, application_id: Option<&str>) -> Result<Vec<DeploymentRow>, StoreError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {} FROM deployments WHERE ?1 IS NULL OR application_id = ?1 ORDER BY created_at",
            Self::DEPLOYMENT_COLUMNS
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([application_id], Self::deployment_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn set_status(&self, id: &str, status: DeploymentStatus) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE deployments SET status = ?2, updated_at = ?3 WHERE id = ?1", params![id, status.as_str(), now()])?;
        Ok(())
    }

    pub fn set_should_run(&self, id: &str, should_run: bool) -> Result<(), StoreError> {
        self.conn().execute("UPDATE deployments SET should_run = ?2 WHERE id = ?1", params![id, should_run])?;
        Ok(())
    }

    pub fn set_worker(&self, id: &str, pid: Option<u32>) -> Result<(), StoreError> {
        self.conn().execute("UPDATE deployments SET worker_pid = ?2 WHERE id = ?1", params![id, pid])?;
        Ok(())
    }

    pub fn set_savepoint(&self, id: &str, path: &str) -> Result<(), StoreError> {
        self.conn().execute("UPDATE deployments SET last_savepoint = ?2 WHERE id = ?1", params![id, path])?;
        Ok(())
    }

    pub fn set_error(&self, id: &str, message: Option<&str>) -> Result<(), StoreError> {
        self.conn().execute("UPDATE deployments SET error_msg = ?2 WHERE id = ?1", params![id, message])?;
        Ok(())
    }

    pub fn count_restart(&self, id: &str) -> Result<(), StoreError> {
        self.conn().execute("UPDATE deployments SET restarts = restarts + 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Whether a deployment of this application is still running or about to.
    pub fn has_live_deployments(&self, application_id: &str) -> Result<bool, StoreError> {
        Ok(self.deployments(Some(application_id))?.iter().any(|d| !d.deployment.status.is_terminal()))
    }

    pub fn delete_deployment(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.conn().execute("DELETE FROM deployments WHERE id = ?1", [id])? > 0)
    }

    /// Deletes a version no deployment uses; false when one does.
    pub fn delete_version(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let used: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM deployments WHERE version_id = ?1)", [id], |r| r.get(0))?;
        if used {
            return Ok(false);
        }
        conn.execute("DELETE FROM application_versions WHERE id = ?1", [id])?;
        Ok(true)
    }

    // Integrations.

    /// Creates an integration; `None` when the name is taken.
    pub fn create_integration(&self, body: &CreateIntegration) -> Result<Option<Integration>, StoreError> {
        let integration = Integration {
            id: new_id(),
            name: body.name.trim().to_string(),
            integration_type: body.integration_type,
            bootstrap_servers: body.bootstrap_servers.clone(),
            security_protocol: body.security_protocol.clone(),
            sasl_mechanism: body.sasl_mechanism.clone(),
            username: body.username.clone(),
            password_set: body.password.is_some(),
            ssl_ca_file: body.ssl_ca_file.clone(),
            ssl_cert_file: body.ssl_cert_file.clone(),
            ssl_key_file: body.ssl_key_file.clone(),
            ssl_key_password_set: body.ssl_key_password.is_some(),
            url: body.url.clone(),
            created_at: now(),
        };
        let inserted = self.conn().execute(
            "INSERT INTO integrations (id, name, integration_type, settings, secrets, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (name) DO NOTHING",
            params![
                integration.id,
                integration.name,
                integration.integration_type.as_str(),
                serde_json::to_string(&integration)?,
                serde_json::to_string(&IntegrationSecrets::of(body))?,
                integration.created_at
            ],
        )?;
        Ok((inserted > 0).then_some(integration))
    }

    fn integration_row(r: &Row<'_>) -> rusqlite::Result<(String, String)> {
        Ok((r.get(0)?, r.get(1)?))
    }

    fn stored_integration((settings, secrets): (String, String)) -> Result<StoredIntegration, StoreError> {
        Ok(StoredIntegration { integration: serde_json::from_str(&settings)?, secrets: serde_json::from_str(&secrets)? })
    }

    pub fn integration(&self, id: &str) -> Result<Option<StoredIntegration>, StoreError> {
        let row = self.conn().query_row("SELECT settings, secrets FROM integrations WHERE id = ?1", [id], Self::integration_row).optional()?;
        row.map(Self::stored_integration).transpose()
    }

    pub fn integrations(&self) -> Result<Vec<Integration>, StoreError> {
        let rows: Vec<(String, String)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare("SELECT settings, secrets FROM integrations ORDER BY created_at, name")?;
            let rows = stmt.query_map([], Self::integration_row)?.collect::<Result<_, _>>()?;
            rows
        };
        rows.into_iter().map(|r| Self::stored_integration(r).map(|s| s.integration)).collect()
    }

    /// Deletes an integration no table uses; false when one does.
    pub fn delete_integration(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let used: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM flink_tables WHERE integration_id = ?1)", [id], |r| r.get(0))?;
        if used {
            return Ok(false);
        }
        conn.execute("DELETE FROM integrations WHERE id = ?1", [id])?;
        Ok(true)
    }

    // Tables and jobs (the older workflow).

    /// Stores a table; `false` when its name is taken.
    pub fn create_table(&self, table: &Table) -> Result<bool, StoreError> {
        let inserted = self.conn().execute(
            "INSERT INTO flink_tables (id, name, integration_id, schema_sql, create_table, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (name) DO NOTHING",
            params![table.table_id, table.table_name, table.integration_id, table.schema_sql, table.create_table, table.created_at],
        )?;
        Ok(inserted > 0)
    }

    fn table_row(r: &Row<'_>) -> rusqlite::Result<Table> {
        let create_table: String = r.get(4)?;
        Ok(Table {
            table_id: r.get(0)?,
            table_name: r.get(1)?,
            integration_id: r.get(2)?,
            schema_sql: r.get(3)?,
            columns: crate::integrations::columns(&create_table).unwrap_or_default(),
            create_table,
            created_at: r.get(5)?,
        })
    }

    pub fn table(&self, id: &str) -> Result<Option<Table>, StoreError> {
        let sql = "SELECT id, name, integration_id, schema_sql, create_table, created_at FROM flink_tables WHERE id = ?1";
        Ok(self.conn().query_row(sql, [id], Self::table_row).optional()?)
    }

    pub fn tables(&self) -> Result<Vec<Table>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, name, integration_id, schema_sql, create_table, created_at FROM flink_tables ORDER BY created_at, name")?;
        let rows = stmt.query_map([], Self::table_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn delete_table(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.conn().execute("DELETE FROM flink_tables WHERE id = ?1", [id])? > 0)
    }

    /// Stores a job with the application, version and deployment that run it, in one
    /// transaction; the deployment is then the supervisor's to start.
    pub fn create_job(&self, job: &JobRow, version: &CreateVersion, deployment: &Deployment) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let at = &job.created_at;
        tx.execute(
            "INSERT INTO applications (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            params![job.application_id, format!("job {}", job.id), at],
        )?;
        tx.execute(
            "INSERT INTO application_versions (id, application_id, version, sources, sinks, statement, created_at) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)",
            params![
                deployment.version_id,
                job.application_id,
                serde_json::to_string(&version.sources)?,
                serde_json::to_string(&version.sinks)?,
                version.statement,
                at
            ],
        )?;
        tx.execute(
            "INSERT INTO jobs (id, name, statement, table_ids, application_id, deployment_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![job.id, job.name, job.statement, serde_json::to_string(&job.table_ids)?, job.application_id, job.deployment_id, at],
        )?;
        tx.execute(
            "INSERT INTO deployments (id, application_id, version_id, parallelism, restart_enabled, starting_savepoint, status, should_run, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)",
            params![
                deployment.id,
                deployment.application_id,
                deployment.version_id,
                deployment.parallelism,
                deployment.restart_enabled,
                deployment.starting_savepoint,
                deployment.status.as_str(),
                deployment.created_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn job_row(r: &Row<'_>) -> rusqlite::Result<(String, String, String, String, String, String, String)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
    }

    fn job_of(row: (String, String, String, String, String, String, String)) -> Result<JobRow, StoreError> {
        let (id, name, statement, table_ids, application_id, deployment_id, created_at) = row;
        Ok(JobRow { id, name, statement, table_ids: serde_json::from_str(&table_ids)?, application_id, deployment_id, created_at })
    }

    const JOB_COLUMNS: &'static str = "id, name, statement, table_ids, application_id, deployment_id, created_at";

    pub fn job(&self, id: &str) -> Result<Option<JobRow>, StoreError> {
        let sql = format!("SELECT {} FROM jobs WHERE id = ?1", Self::JOB_COLUMNS);
        let row = self.conn().query_row(&sql, [id], Self::job_row).optional()?;
        row.map(Self::job_of).transpose()
    }

    pub fn jobs(&self) -> Result<Vec<JobRow>, StoreError> {
        let rows: Vec<_> = {
            let conn = self.conn();
            let mut stmt = conn.prepare(&format!("SELECT {} FROM jobs ORDER BY created_at", Self::JOB_COLUMNS))?;
            let rows = stmt.query_map([], Self::job_row)?.collect::<Result<_, _>>()?;
            rows
        };
        rows.into_iter().map(Self::job_of).collect()
    }
}

/// A job of the older workflow, and the application and deployment that run it.
#[derive(Clone, Debug)]
pub struct JobRow {
    pub id: String,
    pub name: String,
    pub statement: String,
    pub table_ids: Vec<String>,
    pub application_id: String,
    pub deployment_id: String,
    pub created_at: String,
}
