//! `Store`: the metadata (integrations, tables, jobs, applications, versions,
//! deployments, tokens) in SQLite (`sqlite:///path/sluice.db`, the default) or PostgreSQL
//! (`postgres://user:password@host:port/db`), behind versioned migrations. Every query
//! lives here, written once for both (see `db`); the routes see typed rows only.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::api::{
    Application, ApplicationVersion, CreateIntegration, CreateTable, CreateVersion, Deployment, DeploymentStatus, Integration, Table,
    VersionSummary,
};
use crate::db::{vals, Db, DbError, Row};
use crate::integrations::{IntegrationSecrets, StoredIntegration};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store \"{url}\" is not supported: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot open the store at \"{place}\": {source}")]
    Open { place: String, source: DbError },
    #[error("store query failed: {0}")]
    Query(#[from] DbError),
    #[error("the store has schema version {found}, newer than this Sluice knows ({known}); upgrade Sluice")]
    TooNew { found: u32, known: u32 },
    #[error("stored JSON is damaged: {0}")]
    Json(#[from] serde_json::Error),
}

/// A store URL with any password in it masked, for messages and logs.
pub fn display_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let masked = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    match path {
        Some(p) => format!("{scheme}://{masked}/{p}"),
        None => format!("{scheme}://{masked}"),
    }
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
), (
    3,
    // The body a table was created or last edited with, so that it can be edited again.
    "ALTER TABLE flink_tables ADD COLUMN definition TEXT;",
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
    db: Db,
}

/// A deployment with what only the server needs.
pub struct DeploymentRow {
    pub deployment: Deployment,
    pub should_run: bool,
}

impl Store {
    /// Opens `sqlite:///path/file.db` (creating the file and its folder) or
    /// `postgres://...` (`postgresql://` too; the database must exist), and migrates it.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url)?
        } else {
            Self::open_sqlite(url)?
        };
        let store = Store { db };
        store.migrate()?;
        Ok(store)
    }

    fn open_sqlite(url: &str) -> Result<Db, StoreError> {
        let path = url.strip_prefix("sqlite://").filter(|p| !p.is_empty()).ok_or_else(|| StoreError::BadUrl {
            url: display_url(url),
            reason: "expected sqlite:///path/to/sluice.db or postgres://user:password@host:port/database".into(),
        })?;
        let path = Path::new(path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let open = |e: rusqlite::Error| StoreError::Open { place: path.display().to_string(), source: e.into() };
        let conn = rusqlite::Connection::open(path).map_err(open)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;").map_err(open)?;
        Ok(Db::Sqlite(Mutex::new(conn)))
    }

    fn open_postgres(url: &str) -> Result<Db, StoreError> {
        let place = display_url(url);
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| StoreError::BadUrl { url: place.clone(), reason: e.to_string() })?;
        let client = crate::db::blocking(|| config.connect(postgres::NoTls)).map_err(|e| StoreError::Open { place, source: e.into() })?;
        Ok(Db::Postgres(Mutex::new(client)))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        self.db.transaction(|tx| tx.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"))?;
        let current = self.schema_version()?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > known {
            return Err(StoreError::TooNew { found: current, known });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            self.db.transaction(|tx| {
                tx.batch(sql)?;
                tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", vals![*version, now()])
            })?;
            tracing::info!("store migrated to schema version {version}");
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let row = self.db.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?;
        Ok(row.map(|r| r.u32(0)).transpose()?.unwrap_or(0))
    }

    // Tokens.

    pub fn add_token(&self, sha256: &str, scope: &str) -> Result<String, StoreError> {
        let id = new_id();
        self.db.execute("INSERT INTO tokens (id, sha256, scope, created_at) VALUES (?1, ?2, ?3, ?4)", vals![&id, sha256, scope, now()])?;
        Ok(id)
    }

    pub fn token_scope(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        Ok(self.db.query_one("SELECT scope FROM tokens WHERE sha256 = ?1", vals![sha256])?.map(|r| r.text(0)).transpose()?)
    }

    // Applications and versions.

    /// Creates an application; `None` when the name is taken.
    pub fn create_application(&self, name: &str) -> Result<Option<Application>, StoreError> {
        let id = new_id();
        let at = now();
        let inserted = self.db.execute(
            "INSERT INTO applications (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) ON CONFLICT (name) DO NOTHING",
            vals![&id, name, at],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        self.application(&id)
    }

    pub fn application(&self, id: &str) -> Result<Option<Application>, StoreError> {
        let Some(r) = self.db.query_one("SELECT id, name, created_at, updated_at FROM applications WHERE id = ?1", vals![id])? else {
            return Ok(None);
        };
        let versions = self
            .db
            .query("SELECT id, version, created_at FROM application_versions WHERE application_id = ?1 ORDER BY version", vals![id])?
            .iter()
            .map(|v| Ok(VersionSummary { id: v.text(0)?, version: v.u32(1)?, created_at: v.text(2)? }))
            .collect::<Result<_, DbError>>()?;
        Ok(Some(Application { id: r.text(0)?, name: r.text(1)?, created_at: r.text(2)?, updated_at: r.text(3)?, application_versions: versions }))
    }

    pub fn applications(&self) -> Result<Vec<Application>, StoreError> {
        // A job's application is the job's business, listed with the jobs.
        let ids = self.db.query("SELECT id FROM applications WHERE id NOT IN (SELECT application_id FROM jobs) ORDER BY created_at, name", &[])?;
        let ids: Vec<String> = ids.iter().map(|r| r.text(0)).collect::<Result<_, _>>()?;
        ids.iter().filter_map(|id| self.application(id).transpose()).collect()
    }

    /// Renames an application; false when another one has the name (or it is gone).
    pub fn rename_application(&self, id: &str, name: &str) -> Result<bool, StoreError> {
        let renamed = self.db.execute(
            "UPDATE applications SET name = ?2, updated_at = ?3
             WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM applications WHERE name = ?2 AND id <> ?1)",
            vals![id, name, now()],
        )?;
        Ok(renamed > 0)
    }

    pub fn delete_application(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.db.execute("DELETE FROM applications WHERE id = ?1", vals![id])? > 0)
    }

    /// Adds the next numbered version of an application.
    pub fn create_version(&self, application_id: &str, version: &CreateVersion) -> Result<ApplicationVersion, StoreError> {
        let id = new_id();
        let at = now();
        let (sources, sinks) = (serde_json::to_string(&version.sources)?, serde_json::to_string(&version.sinks)?);
        let number = self.db.transaction(|tx| -> Result<u32, StoreError> {
            let next = tx.query("SELECT COALESCE(MAX(version), 0) + 1 FROM application_versions WHERE application_id = ?1", vals![application_id])?;
            let number = next.first().map(|r| r.u32(0)).transpose()?.unwrap_or(1);
            tx.execute(
                "INSERT INTO application_versions (id, application_id, version, sources, sinks, statement, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                vals![&id, application_id, number, &sources, &sinks, &version.statement, &at],
            )?;
            tx.execute("UPDATE applications SET updated_at = ?2 WHERE id = ?1", vals![application_id, &at])?;
            Ok(number)
        })?;
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
        let sql = "SELECT id, application_id, version, sources, sinks, statement, created_at FROM application_versions WHERE id = ?1";
        let Some(r) = self.db.query_one(sql, vals![id])? else { return Ok(None) };
        Ok(Some(ApplicationVersion {
            id: r.text(0)?,
            application_id: r.text(1)?,
            version: r.u32(2)?,
            sources: serde_json::from_str(&r.text(3)?)?,
            sinks: serde_json::from_str(&r.text(4)?)?,
            statement: r.text(5)?,
            created_at: r.text(6)?,
        }))
    }

    // Deployments.

    const INSERT_DEPLOYMENT: &'static str =
        "INSERT INTO deployments (id, application_id, version_id, parallelism, restart_enabled, starting_savepoint, status, should_run, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)";

    pub fn create_deployment(&self, d: &Deployment) -> Result<(), StoreError> {
        self.db.execute(
            Self::INSERT_DEPLOYMENT,
            vals![&d.id, &d.application_id, &d.version_id, d.parallelism, d.restart_enabled, d.starting_savepoint.as_ref(), d.status.as_str(), &d.created_at],
        )?;
        Ok(())
    }

    const DEPLOYMENT_COLUMNS: &'static str = "id, application_id, version_id, parallelism, restart_enabled, starting_savepoint, status, \
        last_savepoint, error_msg, restarts, worker_pid, created_at, updated_at, should_run";

    fn deployment_row(r: &Row) -> Result<DeploymentRow, DbError> {
        let status = r.text(6)?;
        Ok(DeploymentRow {
            deployment: Deployment {
                id: r.text(0)?,
                application_id: r.text(1)?,
                version_id: r.text(2)?,
                parallelism: r.u32(3)?,
                restart_enabled: r.bool(4)?,
                starting_savepoint: r.opt_text(5)?,
                status: DeploymentStatus::parse(&status).unwrap_or(DeploymentStatus::Failed),
                last_savepoint: r.opt_text(7)?,
                error_msg: r.opt_text(8)?,
                restarts: r.u32(9)?,
                worker_pid: r.opt_u32(10)?,
                created_at: r.text(11)?,
                updated_at: r.text(12)?,
            },
            should_run: r.bool(13)?,
        })
    }

    pub fn deployment(&self, id: &str) -> Result<Option<DeploymentRow>, StoreError> {
        let sql = format!("SELECT {} FROM deployments WHERE id = ?1", Self::DEPLOYMENT_COLUMNS);
        Ok(self.db.query_one(&sql, vals![id])?.map(|r| Self::deployment_row(&r)).transpose()?)
    }

    /// The deployments of one application, or of all when `None`.
    pub fn deployments(&self, application_id: Option<&str>) -> Result<Vec<DeploymentRow>, StoreError> {
        let rows = match application_id {
            Some(app) => {
                let sql = format!("SELECT {} FROM deployments WHERE application_id = ?1 ORDER BY created_at", Self::DEPLOYMENT_COLUMNS);
                self.db.query(&sql, vals![app])?
            }
            None => self.db.query(&format!("SELECT {} FROM deployments ORDER BY created_at", Self::DEPLOYMENT_COLUMNS), &[])?,
        };
        Ok(rows.iter().map(Self::deployment_row).collect::<Result<_, _>>()?)
    }

    pub fn set_status(&self, id: &str, status: DeploymentStatus) -> Result<(), StoreError> {
        self.db.execute("UPDATE deployments SET status = ?2, updated_at = ?3 WHERE id = ?1", vals![id, status.as_str(), now()])?;
        Ok(())
    }

    pub fn set_should_run(&self, id: &str, should_run: bool) -> Result<(), StoreError> {
        self.db.execute("UPDATE deployments SET should_run = ?2 WHERE id = ?1", vals![id, should_run])?;
        Ok(())
    }

    pub fn set_worker(&self, id: &str, pid: Option<u32>) -> Result<(), StoreError> {
        self.db.execute("UPDATE deployments SET worker_pid = ?2 WHERE id = ?1", vals![id, pid])?;
        Ok(())
    }

    pub fn set_savepoint(&self, id: &str, path: &str) -> Result<(), StoreError> {
        self.db.execute("UPDATE deployments SET last_savepoint = ?2 WHERE id = ?1", vals![id, path])?;
        Ok(())
    }

    pub fn set_error(&self, id: &str, message: Option<&str>) -> Result<(), StoreError> {
        self.db.execute("UPDATE deployments SET error_msg = ?2 WHERE id = ?1", vals![id, message])?;
        Ok(())
    }

    pub fn count_restart(&self, id: &str) -> Result<(), StoreError> {
        self.db.execute("UPDATE deployments SET restarts = restarts + 1 WHERE id = ?1", vals![id])?;
        Ok(())
    }

    /// Whether a deployment of this application is still running or about to.
    pub fn has_live_deployments(&self, application_id: &str) -> Result<bool, StoreError> {
        Ok(self.deployments(Some(application_id))?.iter().any(|d| !d.deployment.status.is_terminal()))
    }

    pub fn delete_deployment(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.db.execute("DELETE FROM deployments WHERE id = ?1", vals![id])? > 0)
    }

    /// How many rows `sql` (a `SELECT COUNT(*)` with one parameter) counts.
    fn count(&self, sql: &str, id: &str) -> Result<i64, StoreError> {
        Ok(self.db.query_one(sql, vals![id])?.map(|r| r.int(0)).transpose()?.unwrap_or(0))
    }

    /// Deletes a version no deployment uses; false when one does.
    pub fn delete_version(&self, id: &str) -> Result<bool, StoreError> {
        if self.count("SELECT COUNT(*) FROM deployments WHERE version_id = ?1", id)? > 0 {
            return Ok(false);
        }
        self.db.execute("DELETE FROM application_versions WHERE id = ?1", vals![id])?;
        Ok(true)
    }

    // Integrations.

    /// Creates an integration; `None` when the name is taken.
    pub fn create_integration(&self, body: &CreateIntegration) -> Result<Option<Integration>, StoreError> {
        let integration = Self::integration_of(body);
        let inserted = self.db.execute(
            "INSERT INTO integrations (id, name, integration_type, settings, secrets, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (name) DO NOTHING",
            vals![
                &integration.id,
                &integration.name,
                integration.integration_type.as_str(),
                serde_json::to_string(&integration)?,
                serde_json::to_string(&IntegrationSecrets::of(body))?,
                &integration.created_at
            ],
        )?;
        Ok((inserted > 0).then_some(integration))
    }

    /// Replaces an integration's settings and secrets, keeping its id and creation time;
    /// false when another integration has the name (or it is gone). `body` holds every
    /// secret the integration keeps: the caller merges in the stored ones it omits.
    pub fn update_integration(&self, old: &Integration, body: &CreateIntegration) -> Result<Option<Integration>, StoreError> {
        let integration = Integration { id: old.id.clone(), created_at: old.created_at.clone(), ..Self::integration_of(body) };
        let updated = self.db.execute(
            "UPDATE integrations SET name = ?2, integration_type = ?3, settings = ?4, secrets = ?5
             WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM integrations WHERE name = ?2 AND id <> ?1)",
            vals![
                &integration.id,
                &integration.name,
                integration.integration_type.as_str(),
                serde_json::to_string(&integration)?,
                serde_json::to_string(&IntegrationSecrets::of(body))?
            ],
        )?;
        Ok((updated > 0).then_some(integration))
    }

    /// What the API shows of a new integration's settings.
    fn integration_of(body: &CreateIntegration) -> Integration {
        Integration {
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
        }
    }

    fn stored_integration(r: &Row) -> Result<StoredIntegration, StoreError> {
        Ok(StoredIntegration { integration: serde_json::from_str(&r.text(0)?)?, secrets: serde_json::from_str(&r.text(1)?)? })
    }

    pub fn integration(&self, id: &str) -> Result<Option<StoredIntegration>, StoreError> {
        let row = self.db.query_one("SELECT settings, secrets FROM integrations WHERE id = ?1", vals![id])?;
        row.as_ref().map(Self::stored_integration).transpose()
    }

    pub fn integrations(&self) -> Result<Vec<Integration>, StoreError> {
        let rows = self.db.query("SELECT settings, secrets FROM integrations ORDER BY created_at, name", &[])?;
        rows.iter().map(|r| Self::stored_integration(r).map(|s| s.integration)).collect()
    }

    /// Deletes an integration no table uses; false when one does.
    pub fn delete_integration(&self, id: &str) -> Result<bool, StoreError> {
        if self.count("SELECT COUNT(*) FROM flink_tables WHERE integration_id = ?1", id)? > 0 {
            return Ok(false);
        }
        self.db.execute("DELETE FROM integrations WHERE id = ?1", vals![id])?;
        Ok(true)
    }

    // Tables and jobs (the older workflow).

    /// Stores a table; `false` when its name is taken.
    pub fn create_table(&self, table: &Table) -> Result<bool, StoreError> {
        let inserted = self.db.execute(
            "INSERT INTO flink_tables (id, name, integration_id, schema_sql, create_table, created_at, definition)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO NOTHING",
            vals![
                &table.table_id,
                &table.table_name,
                &table.integration_id,
                &table.schema_sql,
                &table.create_table,
                &table.created_at,
                serde_json::to_string(&table.definition)?
            ],
        )?;
        Ok(inserted > 0)
    }

    /// Replaces a table's definition, keeping its id and creation time; false when
    /// another table has the name (or it is gone). Versions and jobs made from it keep
    /// the `CREATE TABLE` they were made with.
    pub fn update_table(&self, table: &Table) -> Result<bool, StoreError> {
        let updated = self.db.execute(
            "UPDATE flink_tables SET name = ?2, integration_id = ?3, schema_sql = ?4, create_table = ?5, definition = ?6
             WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM flink_tables WHERE name = ?2 AND id <> ?1)",
            vals![
                &table.table_id,
                &table.table_name,
                &table.integration_id,
                &table.schema_sql,
                &table.create_table,
                serde_json::to_string(&table.definition)?
            ],
        )?;
        Ok(updated > 0)
    }

    fn table_row(r: &Row) -> Result<Table, StoreError> {
        let create_table = r.text(4)?;
        // Tables stored before schema version 3 have no definition.
        let definition = r.opt_text(6)?.map(|d| serde_json::from_str::<Option<CreateTable>>(&d)).transpose()?.flatten();
        Ok(Table {
            table_id: r.text(0)?,
            table_name: r.text(1)?,
            integration_id: r.text(2)?,
            schema_sql: r.text(3)?,
            columns: crate::integrations::columns(&create_table).unwrap_or_default(),
            create_table,
            created_at: r.text(5)?,
            definition,
        })
    }

    const TABLE_COLUMNS: &'static str = "id, name, integration_id, schema_sql, create_table, created_at, definition";

    pub fn table(&self, id: &str) -> Result<Option<Table>, StoreError> {
        let sql = format!("SELECT {} FROM flink_tables WHERE id = ?1", Self::TABLE_COLUMNS);
        self.db.query_one(&sql, vals![id])?.map(|r| Self::table_row(&r)).transpose()
    }

    pub fn tables(&self) -> Result<Vec<Table>, StoreError> {
        let rows = self.db.query(&format!("SELECT {} FROM flink_tables ORDER BY created_at, name", Self::TABLE_COLUMNS), &[])?;
        rows.iter().map(Self::table_row).collect()
    }

    pub fn delete_table(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.db.execute("DELETE FROM flink_tables WHERE id = ?1", vals![id])? > 0)
    }

    /// Stores a job with the application, version and deployment that run it, in one
    /// transaction; the deployment is then the supervisor's to start.
    pub fn create_job(&self, job: &JobRow, version: &CreateVersion, deployment: &Deployment) -> Result<(), StoreError> {
        let at = &job.created_at;
        let (sources, sinks, table_ids) =
            (serde_json::to_string(&version.sources)?, serde_json::to_string(&version.sinks)?, serde_json::to_string(&job.table_ids)?);
        self.db.transaction(|tx| -> Result<(), StoreError> {
            tx.execute(
                "INSERT INTO applications (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                vals![&job.application_id, format!("job {}", job.id), at],
            )?;
            tx.execute(
                "INSERT INTO application_versions (id, application_id, version, sources, sinks, statement, created_at) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)",
                vals![&deployment.version_id, &job.application_id, &sources, &sinks, &version.statement, at],
            )?;
            tx.execute(
                "INSERT INTO jobs (id, name, statement, table_ids, application_id, deployment_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                vals![&job.id, &job.name, &job.statement, &table_ids, &job.application_id, &job.deployment_id, at],
            )?;
            tx.execute(
                Self::INSERT_DEPLOYMENT,
                vals![
                    &deployment.id,
                    &deployment.application_id,
                    &deployment.version_id,
                    deployment.parallelism,
                    deployment.restart_enabled,
                    deployment.starting_savepoint.as_ref(),
                    deployment.status.as_str(),
                    &deployment.created_at
                ],
            )?;
            Ok(())
        })
    }

    fn job_of(r: &Row) -> Result<JobRow, StoreError> {
        Ok(JobRow {
            id: r.text(0)?,
            name: r.text(1)?,
            statement: r.text(2)?,
            table_ids: serde_json::from_str(&r.text(3)?)?,
            application_id: r.text(4)?,
            deployment_id: r.text(5)?,
            created_at: r.text(6)?,
        })
    }

    const JOB_COLUMNS: &'static str = "id, name, statement, table_ids, application_id, deployment_id, created_at";

    pub fn job(&self, id: &str) -> Result<Option<JobRow>, StoreError> {
        let sql = format!("SELECT {} FROM jobs WHERE id = ?1", Self::JOB_COLUMNS);
        self.db.query_one(&sql, vals![id])?.as_ref().map(Self::job_of).transpose()
    }

    pub fn jobs(&self) -> Result<Vec<JobRow>, StoreError> {
        let rows = self.db.query(&format!("SELECT {} FROM jobs ORDER BY created_at", Self::JOB_COLUMNS), &[])?;
        rows.iter().map(Self::job_of).collect()
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
