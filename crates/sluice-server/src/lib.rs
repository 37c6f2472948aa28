//! `sluice server`: the job service. It owns HTTP (axum on tokio), the metadata store
//! (SQLite with versioned migrations), bearer-token authentication, the OpenAPI
//! document, and the supervisor that runs each deployment in its own worker process.
//! The engine crates know nothing of it: a worker is the `sluice` binary running a
//! generated script, and validation goes through the planner's `Session` as `sluice run`
//! does. The CLI talks to it only through the types of `api`.

pub mod api;
pub mod auth;
mod console;
mod error;
mod integrations;
mod metrics;
mod routes;
mod db;
pub mod runtime;
pub mod store;
mod supervisor;
mod validate;
pub mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use error::ApiError;
pub use store::{default_store_url, display_url, Store, StoreError};
pub use validate::validate;

#[derive(OpenApi)]
#[openapi(
    info(title = "Sluice job service", description = "Integrations, tables and jobs, applications, immutable versions and deployments of Flink SQL pipelines, after Aiven's model. The same resources answer at Aiven's routes for Flink (`/v1/project/{project}/service/{service}/flink/...`), with Aiven's `aivenv1 <token>` authorization."),
    paths(
        routes::healthz,
        routes::list_integrations,
        routes::create_integration,
        routes::get_integration,
        routes::update_integration,
        routes::delete_integration,
        routes::list_tables,
        routes::create_table,
        routes::get_table,
        routes::update_table,
        routes::delete_table,
        routes::list_jobs,
        routes::create_job,
        routes::get_job,
        routes::cancel_job,
        routes::list_applications,
        routes::create_application,
        routes::get_application,
        routes::rename_application,
        routes::delete_application,
        routes::create_version,
        routes::validate_version,
        routes::get_version,
        routes::delete_version,
        routes::create_deployment,
        routes::list_deployments,
        routes::get_deployment,
        routes::delete_deployment,
        routes::deployment_checkpoints,
        routes::metrics,
        routes::stop_deployment,
        routes::cancel_deployment,
        routes::deployment_runtime,
        routes::deployment_history,
        routes::deployment_diagnosis,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Content, Ref, ResponseBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        // Every route but /healthz answers 401 without a token, and 403 to a read token
        // that writes.
        let error = |text: &str| {
            ResponseBuilder::new().description(text).content("application/json", Content::new(Some(Ref::from_schema_name("ErrorBody")))).build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path == "/healthz" {
                continue;
            }
            let operations = [(&mut item.get, false), (&mut item.post, true), (&mut item.delete, true), (&mut item.put, true)];
            for (operation, writes) in operations {
                let Some(operation) = operation else { continue };
                operation.responses.responses.insert("401".into(), error("No token, or an unknown one.").into());
                if writes {
                    operation.responses.responses.insert("403".into(), error("A read token cannot write.").into());
                }
            }
        }
    }
}

/// How `sluice server` runs.
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub store_url: String,
    /// Deployment folders (scripts, checkpoints, savepoints, worker logs).
    pub state_dir: PathBuf,
    pub worker_bin: PathBuf,
    pub checkpoint_interval: String,
    pub restart_backoff: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs the server until SIGTERM or Ctrl-C; `on_listen` hears the bound address. Workers get SIGTERM when it ends (and take
/// a final checkpoint); the next server resumes them.
pub fn serve(config: ServerConfig, on_listen: impl FnOnce(SocketAddr, &str) + Send) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let store = Arc::new(Store::open(&config.store_url)?);
        let supervisor = supervisor::Supervisor::new(
            store.clone(),
            supervisor::SupervisorConfig {
                root: config.state_dir.join("deployments"),
                worker_bin: config.worker_bin.clone(),
                checkpoint_interval: config.checkpoint_interval.clone(),
                restart_backoff: config.restart_backoff,
            },
        );
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServerError::Listen { addr: config.listen, source })?;
        let addr = listener.local_addr()?;
        supervisor.reconcile().await?;
        let history = Arc::new(runtime::History::default());
        tokio::spawn(sample_history(store.clone(), supervisor.clone(), history.clone()));
        let app = routes::router(Arc::new(routes::AppState { store, supervisor, history }));
        on_listen(addr, &store::display_url(&config.store_url));
        axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
        Ok(())
    })
}

/// Every `runtime::SAMPLE_MS`, a sample of each running deployment's rates into its
/// hour of history.
async fn sample_history(store: Arc<Store>, supervisor: Arc<supervisor::Supervisor>, history: Arc<runtime::History>) {
    let mut tick = tokio::time::interval(Duration::from_millis(runtime::SAMPLE_MS as u64));
    loop {
        tick.tick().await;
        let Ok(rows) = store.deployments(None) else { continue };
        let live: Vec<(String, PathBuf)> = rows
            .iter()
            .filter(|r| !r.deployment.status.is_terminal())
            .map(|r| (r.deployment.id.clone(), supervisor.folder(&r.deployment.id).join("metrics")))
            .collect();
        let ids: Vec<String> = rows.iter().map(|r| r.deployment.id.clone()).collect();
        let history = history.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let now = chrono::Utc::now().timestamp_millis();
            for (id, folder) in live {
                history.record(&id, worker::read_snapshots(&folder), now);
            }
            history.retain(|id| ids.iter().any(|i| i == id));
        })
        .await;
    }
}

async fn shutdown() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
