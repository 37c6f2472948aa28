//! The HTTP routes: authentication, JSON in and out, and the handlers of applications,
//! versions and deployments.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::api::*;
use crate::auth::{self, Scope};
use crate::error::ApiError;
use crate::store::{new_id, now, Store};
use crate::supervisor::{Control, Supervisor};

pub struct AppState {
    pub store: Arc<Store>,
    pub supervisor: Arc<Supervisor>,
    pub history: Arc<crate::runtime::History>,
}

type Shared = State<Arc<AppState>>;

/// A JSON body whose rejection is an `ApiError` naming the field serde complained about.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                let body = e.body_text();
                let text = body.split_once("target type: ").map_or(body.as_str(), |(_, t)| t).to_string();
                let field = field_of(&text);
                Err(ApiError::BadRequest { message: format!("invalid request body: {text}"), field })
            }
            Err(e) => Err(ApiError::BadRequest { message: format!("invalid request body: {}", e.body_text()), field: None }),
        }
    }
}

/// The field a serde error is about. Its text is `path: message` (serde_path_to_error),
/// where the message may name a field of its own: "missing field `name`".
fn field_of(text: &str) -> Option<String> {
    let (path, message) = match text.split_once(": ") {
        Some((path, message)) if !path.contains(' ') && path != "." => (Some(path), message),
        _ => (None, text),
    };
    let named = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))
        .and_then(|rest| rest.split('`').next());
    match (path, named) {
        (Some(path), Some(named)) if path == named || path.ends_with(&format!(".{named}")) => Some(path.to_string()),
        (Some(path), Some(named)) => Some(format!("{path}.{named}")),
        (Some(path), None) => Some(path.to_string()),
        (None, named) => named.map(str::to_string),
    }
}

/// Path parameters, by name: the Aiven-compatible routes have `{project}` and
/// `{service}` besides, which these ignore.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct AppPath {
    application_id: String,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct VersionPath {
    application_id: String,
    version_id: String,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct DeploymentPath {
    application_id: String,
    deployment_id: String,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct IdPath {
    id: String,
}

#[derive(serde::Deserialize)]
struct ServicePath {
    service: String,
}

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/integrations", get(list_integrations).post(create_integration))
        .route("/api/v1/integrations/{id}", get(get_integration).put(update_integration).delete(delete_integration))
        .route("/api/v1/tables", get(list_tables).post(create_table))
        .route("/api/v1/tables/{id}", get(get_table).put(update_table).delete(delete_table))
        .route("/api/v1/jobs", get(list_jobs).post(create_job))
        .route("/api/v1/jobs/{id}", get(get_job))
        .route("/api/v1/jobs/{id}/cancel", post(cancel_job))
        .route("/api/v1/applications", get(list_applications).post(create_application))
        .route("/api/v1/applications/{application_id}", get(get_application).put(rename_application).delete(delete_application))
        .route("/api/v1/applications/{application_id}/versions", post(create_version))
        .route("/api/v1/applications/{application_id}/versions/validate", post(validate_version))
        .route("/api/v1/applications/{application_id}/versions/{version_id}", get(get_version).delete(delete_version))
        .route("/api/v1/applications/{application_id}/deployments", get(list_deployments).post(create_deployment))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}", get(get_deployment).delete(delete_deployment))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/stop", post(stop_deployment))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/cancel", post(cancel_deployment))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/checkpoints", get(deployment_checkpoints))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/runtime", get(deployment_runtime))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/history", get(deployment_history))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/diagnosis", get(deployment_diagnosis))
        .route("/metrics", get(metrics))
        .merge(aiven_routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), authenticate));
    Router::new().route("/healthz", get(healthz)).merge(crate::console::routes()).merge(api).with_state(state)
}

/// The routes Aiven's client (`avn service flink ...`) calls, onto the same handlers.
/// Sluice is one Flink service: any project and service name reach it.
fn aiven_routes() -> Router<Arc<AppState>> {
    const FLINK: &str = "/v1/project/{project}/service/{service}/flink";
    Router::new()
        .route("/v1/project/{project}/service/{service}/integration", get(aiven_service_integrations))
        .route(&format!("{FLINK}/table"), get(list_tables).post(create_table))
        .route(&format!("{FLINK}/table/{{id}}"), get(get_table).delete(delete_table))
        .route(&format!("{FLINK}/job"), get(list_jobs).post(create_job))
        .route(&format!("{FLINK}/job/{{id}}"), get(get_job))
        .route(&format!("{FLINK}/job/{{id}}/cancel"), post(cancel_job))
        .route(&format!("{FLINK}/application"), get(list_applications).post(create_application))
        .route(&format!("{FLINK}/application/{{application_id}}"), get(get_application).put(rename_application).delete(delete_application))
        .route(&format!("{FLINK}/application/{{application_id}}/version"), post(create_version))
        .route(&format!("{FLINK}/application/{{application_id}}/version/validate"), post(validate_version))
        .route(&format!("{FLINK}/application/{{application_id}}/version/{{version_id}}"), get(get_version).delete(delete_version))
        .route(&format!("{FLINK}/application/{{application_id}}/deployment"), get(list_deployments).post(create_deployment))
        .route(
            &format!("{FLINK}/application/{{application_id}}/deployment/{{deployment_id}}"),
            get(get_deployment).delete(delete_deployment),
        )
        .route(&format!("{FLINK}/application/{{application_id}}/deployment/{{deployment_id}}/stop"), post(stop_deployment))
        .route(&format!("{FLINK}/application/{{application_id}}/deployment/{{deployment_id}}/cancel"), post(cancel_deployment))
        .route(&format!("{FLINK}/application/{{application_id}}/deployment/{{deployment_id}}/checkpoints"), get(deployment_checkpoints))
}

/// Every route but `/healthz`: a known token, as `Bearer <token>` or Aiven's
/// `aivenv1 <token>`; `write` scope for anything but GET.
async fn authenticate(State(state): Shared, request: Request, next: Next) -> Response {
    let token = request.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("aivenv1")).then(|| token.trim())
    });
    let Some(token) = token else { return ApiError::Unauthorized.into_response() };
    let scope = match auth::check(&state.store, token) {
        Ok(Some(scope)) => scope,
        Ok(None) => return ApiError::Unauthorized.into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    if scope == Scope::Read && request.method() != Method::GET {
        return ApiError::Forbidden.into_response();
    }
    next.run(request).await
}

async fn not_found() -> ApiError {
    ApiError::NotFound { what: "route", id: "".into() }
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)), security(()))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::ApiDoc::openapi())
}

/// An application's name, trimmed, or why it is not one.
fn checked_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::bad("name", "the name is 1 to 128 printable characters"));
    }
    Ok(name)
}

fn application_of(state: &AppState, id: &str) -> Result<Application, ApiError> {
    state.store.application(id)?.ok_or_else(|| ApiError::NotFound { what: "application", id: id.to_string() })
}

#[utoipa::path(get, path = "/api/v1/applications", responses((status = 200, body = ApplicationList)))]
async fn list_applications(State(state): Shared) -> Result<Json<ApplicationList>, ApiError> {
    Ok(Json(ApplicationList { applications: state.store.applications()? }))
}

#[utoipa::path(post, path = "/api/v1/applications", request_body = CreateApplication,
    responses((status = 201, body = Application), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_application(State(state): Shared, Body(body): Body<CreateApplication>) -> Result<(StatusCode, Json<Application>), ApiError> {
    let name = checked_name(&body.name)?;
    match state.store.create_application(name)? {
        Some(app) => Ok((StatusCode::CREATED, Json(app))),
        None => Err(ApiError::Conflict { message: format!("an application named \"{name}\" exists") }),
    }
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}", params(AppPath), responses((status = 200, body = Application), (status = 404, body = ErrorBody)))]
async fn get_application(State(state): Shared, Path(AppPath { application_id: id }): Path<AppPath>) -> Result<Json<Application>, ApiError> {
    Ok(Json(application_of(&state, &id)?))
}

#[utoipa::path(put, path = "/api/v1/applications/{application_id}", params(AppPath), request_body = CreateApplication,
    responses((status = 200, body = Application), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn rename_application(
    State(state): Shared,
    Path(AppPath { application_id: id }): Path<AppPath>,
    Body(body): Body<CreateApplication>,
) -> Result<Json<Application>, ApiError> {
    application_of(&state, &id)?;
    let name = checked_name(&body.name)?;
    if !state.store.rename_application(&id, name)? {
        application_of(&state, &id)?;
        return Err(ApiError::Conflict { message: format!("an application named \"{name}\" exists") });
    }
    Ok(Json(application_of(&state, &id)?))
}

#[utoipa::path(delete, path = "/api/v1/applications/{application_id}", params(AppPath),
    responses((status = 200, body = Application), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_application(State(state): Shared, Path(AppPath { application_id: id }): Path<AppPath>) -> Result<Json<Application>, ApiError> {
    let app = application_of(&state, &id)?;
    if state.store.has_live_deployments(&id)? {
        return Err(ApiError::Conflict { message: format!("application \"{}\" has deployments that run; stop or cancel them first", app.name) });
    }
    state.store.delete_application(&id)?;
    Ok(Json(app))
}

fn check_version(body: &CreateVersion) -> Result<(), ApiError> {
    if body.sources.is_empty() {
        return Err(ApiError::bad("sources", "a version reads at least one source table"));
    }
    if body.sinks.is_empty() {
        return Err(ApiError::bad("sinks", "a version writes at least one sink table"));
    }
    Ok(())
}

/// The problems of a version's SQL, its integrations filled in with masked secrets.
async fn sql_errors(state: &AppState, version: &CreateVersion) -> Result<Vec<SqlError>, ApiError> {
    let resolved = match crate::validate::resolve(version, &state.store, true)? {
        Ok(resolved) => resolved.version,
        Err(errors) => return Ok(errors),
    };
    // Planning recurses once per level of the query: on the deep stack `sluice run` plans on.
    tokio::task::spawn_blocking(move || sluice_planner::with_query_stack(move || crate::validate::validate(&resolved)))
        .await
        .map_err(|e| ApiError::Internal(format!("validation crashed: {e}")))?
        .map_err(|e| ApiError::Internal(format!("cannot start the validation thread: {e}")))
}

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/versions", params(AppPath), request_body = CreateVersion,
    responses((status = 201, body = ApplicationVersion), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_version(
    State(state): Shared,
    Path(AppPath { application_id: id }): Path<AppPath>,
    Body(body): Body<CreateVersion>,
) -> Result<(StatusCode, Json<ApplicationVersion>), ApiError> {
    application_of(&state, &id)?;
    check_version(&body)?;
    let errors = sql_errors(&state, &body).await?;
    if !errors.is_empty() {
        return Err(ApiError::InvalidSql { errors });
    }
    Ok((StatusCode::CREATED, Json(state.store.create_version(&id, &body)?)))
}

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/versions/validate", params(AppPath), request_body = CreateVersion,
    responses((status = 200, body = Validation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn validate_version(State(state): Shared, Path(AppPath { application_id: id }): Path<AppPath>, Body(body): Body<CreateVersion>) -> Result<Json<Validation>, ApiError> {
    application_of(&state, &id)?;
    check_version(&body)?;
    let errors = sql_errors(&state, &body).await?;
    Ok(Json(Validation { valid: errors.is_empty(), errors }))
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}/versions/{version_id}", params(VersionPath),
    responses((status = 200, body = ApplicationVersion), (status = 404, body = ErrorBody)))]
async fn get_version(State(state): Shared, Path(VersionPath { application_id: app, version_id: version }): Path<VersionPath>) -> Result<Json<ApplicationVersion>, ApiError> {
    match state.store.version(&version)? {
        Some(v) if v.application_id == app => Ok(Json(v)),
        _ => Err(ApiError::NotFound { what: "version", id: version }),
    }
}

fn deployment_of(state: &AppState, app: &str, id: &str) -> Result<Deployment, ApiError> {
    match state.store.deployment(id)? {
        Some(row) if row.deployment.application_id == app => Ok(row.deployment),
        _ => Err(ApiError::NotFound { what: "deployment", id: id.to_string() }),
    }
}

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/deployments", params(AppPath), request_body = CreateDeployment,
    responses((status = 201, body = Deployment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_deployment(
    State(state): Shared,
    Path(AppPath { application_id: app }): Path<AppPath>,
    Body(body): Body<CreateDeployment>,
) -> Result<(StatusCode, Json<Deployment>), ApiError> {
    application_of(&state, &app)?;
    match state.store.version(&body.version_id)? {
        Some(v) if v.application_id == app => {}
        _ => return Err(ApiError::bad("version_id", format!("no version \"{}\" in this application", body.version_id))),
    }
    if !(1..=128).contains(&body.parallelism) {
        return Err(ApiError::bad("parallelism", "parallelism is 1 to 128"));
    }
    if let Some(savepoint) = &body.starting_savepoint {
        let path = std::path::Path::new(savepoint.strip_prefix("file://").unwrap_or(savepoint));
        if !path.join("_metadata").is_file() {
            return Err(ApiError::bad("starting_savepoint", format!("\"{savepoint}\" is not a savepoint folder (it has no _metadata)")));
        }
    }
    let deployment = new_deployment(app, body);
    state.store.create_deployment(&deployment)?;
    state.supervisor.start(&deployment.id);
    Ok((StatusCode::CREATED, Json(deployment)))
}

fn new_deployment(application_id: String, body: CreateDeployment) -> Deployment {
    let at = now();
    Deployment {
        id: new_id(),
        application_id,
        version_id: body.version_id,
        parallelism: body.parallelism,
        restart_enabled: body.restart_enabled,
        starting_savepoint: body.starting_savepoint,
        status: DeploymentStatus::Created,
        last_savepoint: None,
        error_msg: None,
        restarts: 0,
        worker_pid: None,
        created_at: at.clone(),
        updated_at: at,
    }
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments", params(AppPath),
    responses((status = 200, body = DeploymentList), (status = 404, body = ErrorBody)))]
async fn list_deployments(State(state): Shared, Path(AppPath { application_id: app }): Path<AppPath>) -> Result<Json<DeploymentList>, ApiError> {
    application_of(&state, &app)?;
    let deployments = state.store.deployments(Some(&app))?.into_iter().map(|r| r.deployment).collect();
    Ok(Json(DeploymentList { deployments }))
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}", params(DeploymentPath),
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody)))]
async fn get_deployment(State(state): Shared, Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>) -> Result<Json<Deployment>, ApiError> {
    Ok(Json(deployment_of(&state, &app, &id)?))
}

async fn control(state: &AppState, app: &str, id: &str, control: Control) -> Result<Json<Deployment>, ApiError> {
    let d = deployment_of(state, app, id)?;
    if d.status.is_terminal() || !state.supervisor.send(id, control) {
        return Err(ApiError::Conflict { message: format!("deployment \"{id}\" is {} and does not run", d.status.as_str()) });
    }
    // The supervisor records the new status as it signals the worker.
    for _ in 0..100 {
        let now = deployment_of(state, app, id)?;
        if now.status != d.status {
            return Ok(Json(now));
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Ok(Json(deployment_of(state, app, id)?))
}

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/stop", params(DeploymentPath),
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn stop_deployment(State(state): Shared, Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>) -> Result<Json<Deployment>, ApiError> {
    control(&state, &app, &id, Control::Stop).await
}

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/cancel", params(DeploymentPath),
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_deployment(State(state): Shared, Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>) -> Result<Json<Deployment>, ApiError> {
    control(&state, &app, &id, Control::Cancel).await
}

#[utoipa::path(delete, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}", params(DeploymentPath),
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_deployment(
    State(state): Shared,
    Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>,
) -> Result<Json<Deployment>, ApiError> {
    let d = deployment_of(&state, &app, &id)?;
    if !d.status.is_terminal() {
        return Err(ApiError::Conflict { message: format!("deployment \"{id}\" is {}; stop or cancel it first", d.status.as_str()) });
    }
    state.store.delete_deployment(&id)?;
    Ok(Json(d))
}

#[utoipa::path(delete, path = "/api/v1/applications/{application_id}/versions/{version_id}", params(VersionPath),
    responses((status = 200, body = ApplicationVersion), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_version(
    State(state): Shared,
    Path(VersionPath { application_id: app, version_id: id }): Path<VersionPath>,
) -> Result<Json<ApplicationVersion>, ApiError> {
    let v = match state.store.version(&id)? {
        Some(v) if v.application_id == app => v,
        _ => return Err(ApiError::NotFound { what: "version", id }),
    };
    if !state.store.delete_version(&id)? {
        return Err(ApiError::Conflict { message: format!("version \"{id}\" has deployments; delete them first") });
    }
    Ok(Json(v))
}

// Integrations.

#[utoipa::path(get, path = "/api/v1/integrations", responses((status = 200, body = IntegrationList)))]
async fn list_integrations(State(state): Shared) -> Result<Json<IntegrationList>, ApiError> {
    Ok(Json(IntegrationList { integrations: state.store.integrations()? }))
}

#[utoipa::path(post, path = "/api/v1/integrations", request_body = CreateIntegration,
    responses((status = 201, body = Integration), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_integration(State(state): Shared, Body(body): Body<CreateIntegration>) -> Result<(StatusCode, Json<Integration>), ApiError> {
    crate::integrations::check(&body).map_err(|(field, message)| ApiError::bad(field, message))?;
    match state.store.create_integration(&body)? {
        Some(i) => Ok((StatusCode::CREATED, Json(i))),
        None => Err(ApiError::Conflict { message: format!("an integration named \"{}\" exists", body.name.trim()) }),
    }
}

fn integration_of(state: &AppState, id: &str) -> Result<crate::integrations::StoredIntegration, ApiError> {
    state.store.integration(id)?.ok_or_else(|| ApiError::NotFound { what: "integration", id: id.to_string() })
}

#[utoipa::path(get, path = "/api/v1/integrations/{id}", params(IdPath), responses((status = 200, body = Integration), (status = 404, body = ErrorBody)))]
async fn get_integration(State(state): Shared, Path(IdPath { id }): Path<IdPath>) -> Result<Json<Integration>, ApiError> {
    Ok(Json(integration_of(&state, &id)?.integration))
}

#[utoipa::path(put, path = "/api/v1/integrations/{id}", params(IdPath), request_body = CreateIntegration,
    responses((status = 200, body = Integration), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_integration(
    State(state): Shared,
    Path(IdPath { id }): Path<IdPath>,
    Body(body): Body<CreateIntegration>,
) -> Result<Json<Integration>, ApiError> {
    let old = integration_of(&state, &id)?;
    if body.integration_type != old.integration.integration_type {
        return Err(ApiError::bad(
            "integration_type",
            format!("integration \"{}\" is a {} integration and stays one; create a new integration instead", old.integration.name, old.integration.integration_type.as_str()),
        ));
    }
    // A secret left out keeps its stored value; an empty one removes it.
    let keep = |new: &Option<String>, stored: &Option<String>| match new {
        None => stored.clone(),
        Some(v) if v.is_empty() => None,
        Some(v) => Some(v.clone()),
    };
    let body = CreateIntegration {
        password: keep(&body.password, &old.secrets.password),
        ssl_key_password: keep(&body.ssl_key_password, &old.secrets.ssl_key_password),
        ..body
    };
    crate::integrations::check(&body).map_err(|(field, message)| ApiError::bad(field, message))?;
    match state.store.update_integration(&old.integration, &body)? {
        Some(i) => Ok(Json(i)),
        None => {
            integration_of(&state, &id)?;
            Err(ApiError::Conflict { message: format!("an integration named \"{}\" exists", body.name.trim()) })
        }
    }
}

#[utoipa::path(delete, path = "/api/v1/integrations/{id}", params(IdPath),
    responses((status = 200, body = Integration), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_integration(State(state): Shared, Path(IdPath { id }): Path<IdPath>) -> Result<Json<Integration>, ApiError> {
    let i = integration_of(&state, &id)?.integration;
    if !state.store.delete_integration(&id)? {
        return Err(ApiError::Conflict { message: format!("integration \"{}\" has tables; delete them first", i.name) });
    }
    Ok(Json(i))
}

/// Aiven's service integrations, as `avn service integration-list` reads them: each
/// integration is a source service named as the integration, into this Flink service.
async fn aiven_service_integrations(State(state): Shared, Path(ServicePath { service }): Path<ServicePath>) -> Result<Json<serde_json::Value>, ApiError> {
    let list: Vec<serde_json::Value> = state
        .store
        .integrations()?
        .into_iter()
        .map(|i| {
            serde_json::json!({
                "service_integration_id": i.id,
                "source_service": i.name,
                "dest_service": service,
                "source_endpoint_id": null,
                "dest_endpoint_id": null,
                "source_service_type": i.integration_type.as_str(),
                "dest_service_type": "flink",
                "integration_type": "flink",
                "enabled": true,
                "active": true,
                "description": format!("{} integration \"{}\"", i.integration_type.as_str(), i.name),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "service_integrations": list })))
}

// Tables and jobs.

#[utoipa::path(get, path = "/api/v1/tables", responses((status = 200, body = TableList)))]
async fn list_tables(State(state): Shared) -> Result<Json<TableList>, ApiError> {
    Ok(Json(TableList { tables: state.store.tables()? }))
}

#[utoipa::path(post, path = "/api/v1/tables", request_body = CreateTable,
    responses((status = 201, body = Table), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_table(State(state): Shared, Body(body): Body<CreateTable>) -> Result<(StatusCode, Json<Table>), ApiError> {
    let table = checked_table(&state, body, new_id(), now()).await?;
    if !state.store.create_table(&table)? {
        return Err(ApiError::Conflict { message: format!("a table named \"{}\" exists", table.table_name) });
    }
    Ok((StatusCode::CREATED, Json(table)))
}

#[utoipa::path(put, path = "/api/v1/tables/{id}", params(IdPath), request_body = CreateTable,
    responses((status = 200, body = Table), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_table(State(state): Shared, Path(IdPath { id }): Path<IdPath>, Body(body): Body<CreateTable>) -> Result<Json<Table>, ApiError> {
    let old = table_of(&state, &id)?;
    let table = checked_table(&state, body, old.table_id, old.created_at).await?;
    if !state.store.update_table(&table)? {
        table_of(&state, &id)?;
        return Err(ApiError::Conflict { message: format!("a table named \"{}\" exists", table.table_name) });
    }
    Ok(Json(table))
}

/// The table a create or edit body stands for, once its `CREATE TABLE` plans over its
/// integration: otherwise the errors, at their place in `schema_sql`.
async fn checked_table(state: &AppState, body: CreateTable, table_id: String, created_at: String) -> Result<Table, ApiError> {
    let integration = match state.store.integration(&body.integration_id)? {
        Some(i) => i,
        None => return Err(ApiError::bad("integration_id", format!("integration \"{}\" not found", body.integration_id))),
    };
    let ddl = crate::integrations::table_ddl(&body, integration.integration.integration_type).map_err(|(field, message)| ApiError::bad(field, message))?;
    // The table must plan: as the single source of a version, its errors in its own text.
    let version = CreateVersion {
        sources: vec![VersionTable { create_table: ddl.clone(), integration_id: Some(body.integration_id.clone()) }],
        sinks: vec![],
        statement: String::new(),
    };
    let errors: Vec<SqlError> = sql_errors(state, &version).await?.into_iter().filter(|e| e.field != "statement").collect();
    if !errors.is_empty() {
        let errors = errors.into_iter().map(|e| SqlError { field: "schema_sql".into(), ..e }).collect();
        return Err(ApiError::InvalidSql { errors });
    }
    Ok(Table {
        table_id,
        table_name: body.name.trim().to_string(),
        integration_id: body.integration_id.clone(),
        schema_sql: body.schema_sql.clone(),
        columns: crate::integrations::columns(&ddl).unwrap_or_default(),
        create_table: ddl,
        created_at,
        definition: Some(body),
    })
}

fn table_of(state: &AppState, id: &str) -> Result<Table, ApiError> {
    state.store.table(id)?.ok_or_else(|| ApiError::NotFound { what: "table", id: id.to_string() })
}

#[utoipa::path(get, path = "/api/v1/tables/{id}", params(IdPath), responses((status = 200, body = Table), (status = 404, body = ErrorBody)))]
async fn get_table(State(state): Shared, Path(IdPath { id }): Path<IdPath>) -> Result<Json<Table>, ApiError> {
    Ok(Json(table_of(&state, &id)?))
}

#[utoipa::path(delete, path = "/api/v1/tables/{id}", params(IdPath), responses((status = 200, body = Table), (status = 404, body = ErrorBody)))]
async fn delete_table(State(state): Shared, Path(IdPath { id }): Path<IdPath>) -> Result<Json<Table>, ApiError> {
    let table = table_of(&state, &id)?;
    state.store.delete_table(&id)?;
    Ok(Json(table))
}

#[utoipa::path(post, path = "/api/v1/jobs", request_body = CreateJob,
    responses((status = 201, body = JobCreated), (status = 400, body = ErrorBody)))]
async fn create_job(State(state): Shared, Body(body): Body<CreateJob>) -> Result<(StatusCode, Json<JobCreated>), ApiError> {
    let name = body.job_name.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::bad("job_name", "the job name is 1 to 128 printable characters"));
    }
    let mut sources = Vec::new();
    for id in &body.table_ids {
        let Some(t) = state.store.table(id)? else { return Err(ApiError::bad("table_ids", format!("table \"{id}\" not found"))) };
        sources.push(VersionTable { create_table: t.create_table, integration_id: Some(t.integration_id) });
    }
    // The tables are sources and sinks alike: a job's version lists them all as sources.
    let version = CreateVersion { sources, sinks: vec![], statement: body.statement.clone() };
    let errors = sql_errors(&state, &version).await?;
    if !errors.is_empty() {
        // Name the table by its id, as the client knows it.
        let errors = errors
            .into_iter()
            .map(|e| match e.field.strip_prefix("sources[").and_then(|r| r.split(']').next()).and_then(|i| i.parse::<usize>().ok()) {
                Some(i) => SqlError { field: format!("table_ids[{i}]"), ..e },
                None => e,
            })
            .collect();
        return Err(ApiError::InvalidSql { errors });
    }
    let job = crate::store::JobRow {
        id: new_id(),
        name: name.to_string(),
        statement: body.statement.clone(),
        table_ids: body.table_ids.clone(),
        application_id: new_id(),
        deployment_id: String::new(),
        created_at: now(),
    };
    let deployment = new_deployment(
        job.application_id.clone(),
        CreateDeployment { version_id: new_id(), parallelism: 1, restart_enabled: true, starting_savepoint: None },
    );
    let job = crate::store::JobRow { deployment_id: deployment.id.clone(), ..job };
    state.store.create_job(&job, &version, &deployment)?;
    state.supervisor.start(&deployment.id);
    Ok((StatusCode::CREATED, Json(JobCreated { job_id: job.id, job_name: job.name })))
}

/// Flink's name for a deployment's status.
fn flink_state(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::Created => "CREATED",
        DeploymentStatus::Initializing => "INITIALIZING",
        DeploymentStatus::Running | DeploymentStatus::SavingAndStop => "RUNNING",
        DeploymentStatus::Restarting => "RESTARTING",
        DeploymentStatus::Failed => "FAILED",
        DeploymentStatus::Finished => "FINISHED",
        DeploymentStatus::Cancelling => "CANCELLING",
        DeploymentStatus::Canceled => "CANCELED",
    }
}

fn millis(at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at).map(|t| t.timestamp_millis()).unwrap_or(0)
}

fn job_of(state: &AppState, id: &str) -> Result<(crate::store::JobRow, Deployment), ApiError> {
    let job = state.store.job(id)?.ok_or_else(|| ApiError::NotFound { what: "job", id: id.to_string() })?;
    let d = deployment_of(state, &job.application_id, &job.deployment_id)?;
    Ok((job, d))
}

#[utoipa::path(get, path = "/api/v1/jobs", responses((status = 200, body = JobList)))]
async fn list_jobs(State(state): Shared) -> Result<Json<JobList>, ApiError> {
    let mut jobs = Vec::new();
    for job in state.store.jobs()? {
        if let Some(row) = state.store.deployment(&job.deployment_id)? {
            jobs.push(JobSummary { id: job.id, name: job.name, status: flink_state(row.deployment.status).to_string() });
        }
    }
    Ok(Json(JobList { jobs }))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", params(IdPath), responses((status = 200, body = Job), (status = 404, body = ErrorBody)))]
async fn get_job(State(state): Shared, Path(IdPath { id }): Path<IdPath>) -> Result<Json<Job>, ApiError> {
    let (job, d) = job_of(&state, &id)?;
    let start = millis(&d.created_at);
    let end = if d.status.is_terminal() { millis(&d.updated_at) } else { -1 };
    let until = if end < 0 { chrono::Utc::now().timestamp_millis() } else { end };
    Ok(Json(Job {
        jid: job.id,
        name: job.name,
        state: flink_state(d.status).to_string(),
        start_time: start,
        end_time: end,
        duration: (until - start).max(0),
        is_stoppable: false,
        max_parallelism: 128,
        statement: job.statement,
        table_ids: job.table_ids,
        deployment: d,
    }))
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", params(IdPath), responses((status = 200, body = Deployment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_job(State(state): Shared, Path(IdPath { id }): Path<IdPath>) -> Result<Json<Deployment>, ApiError> {
    let (job, _) = job_of(&state, &id)?;
    control(&state, &job.application_id, &job.deployment_id, Control::Cancel).await
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/checkpoints", params(DeploymentPath),
    responses((status = 200, body = DeploymentCheckpoints), (status = 404, body = ErrorBody)))]
async fn deployment_checkpoints(
    State(state): Shared,
    Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>,
) -> Result<Json<DeploymentCheckpoints>, ApiError> {
    deployment_of(&state, &app, &id)?;
    let folder = state.supervisor.folder(&id);
    tokio::task::spawn_blocking(move || Json(crate::supervisor::checkpoints(&folder)))
        .await
        .map_err(|e| ApiError::Internal(format!("listing checkpoints crashed: {e}")))
}

/// Prometheus' text format: every deployment's status, and the counters of the workers
/// that run.
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain; version=0.0.4", body = String)))]
async fn metrics(State(state): Shared) -> Result<Response, ApiError> {
    let rows = state.store.deployments(None)?;
    let folders: Vec<_> = rows.iter().map(|r| state.supervisor.folder(&r.deployment.id).join("metrics")).collect();
    let text = tokio::task::spawn_blocking(move || {
        let deployments: Vec<_> = rows
            .into_iter()
            .zip(folders)
            .map(|(row, folder)| {
                let running = !row.deployment.status.is_terminal();
                (row, if running { crate::worker::read_snapshots(&folder) } else { Vec::new() })
            })
            .collect();
        crate::metrics::render(&deployments, chrono::Utc::now().timestamp_millis())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("metrics crashed: {e}")))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}

/// The worker's snapshots of a deployment that runs (none for one that does not).
async fn snapshots(state: &AppState, d: &Deployment) -> Result<Vec<crate::worker::JobMetrics>, ApiError> {
    if d.status.is_terminal() {
        return Ok(Vec::new());
    }
    let folder = state.supervisor.folder(&d.id).join("metrics");
    tokio::task::spawn_blocking(move || crate::worker::read_snapshots(&folder))
        .await
        .map_err(|e| ApiError::Internal(format!("reading the worker's metrics crashed: {e}")))
}

/// The operator graph of each job of a running deployment: per operator its counters,
/// rows in and out per second, watermark, late rows, state and (sources) partitions
/// with offsets and lag, and the last rows the sinks wrote. Empty once it has ended.
#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/runtime", params(DeploymentPath),
    responses((status = 200, body = crate::runtime::DeploymentRuntime), (status = 404, body = ErrorBody)))]
async fn deployment_runtime(
    State(state): Shared,
    Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>,
) -> Result<Json<crate::runtime::DeploymentRuntime>, ApiError> {
    let d = deployment_of(&state, &app, &id)?;
    let jobs = snapshots(&state, &d)
        .await?
        .into_iter()
        .map(|metrics| {
            let before = state.history.before(&id, &metrics.job, metrics.at_ms);
            let rates = crate::runtime::rates(before.as_ref(), &metrics);
            crate::runtime::JobRuntime { metrics, rates }
        })
        .collect();
    Ok(Json(crate::runtime::DeploymentRuntime { jobs }))
}

/// The deployment's own rates over the last hour (sampled every 5 s while it runs):
/// rows in and out per second, Kafka lag, watermark lag and checkpoint time.
#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/history", params(DeploymentPath),
    responses((status = 200, body = crate::runtime::DeploymentHistory), (status = 404, body = ErrorBody)))]
async fn deployment_history(
    State(state): Shared,
    Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>,
) -> Result<Json<crate::runtime::DeploymentHistory>, ApiError> {
    deployment_of(&state, &app, &id)?;
    Ok(Json(crate::runtime::DeploymentHistory { interval_ms: crate::runtime::SAMPLE_MS, points: state.history.points(&id) }))
}

/// "Why no output yet?": whether the sinks wrote rows in the last 30 s, and from the
/// worker's facts what holds rows back: an empty or idle partition holding the
/// watermark back, a window waiting for the watermark, a filter or join that passed no
/// row, a sink waiting for a checkpoint, rows dropped as late.
#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/diagnosis", params(DeploymentPath),
    responses((status = 200, body = crate::runtime::Diagnosis), (status = 404, body = ErrorBody)))]
async fn deployment_diagnosis(
    State(state): Shared,
    Path(DeploymentPath { application_id: app, deployment_id: id }): Path<DeploymentPath>,
) -> Result<Json<crate::runtime::Diagnosis>, ApiError> {
    let d = deployment_of(&state, &app, &id)?;
    let jobs = snapshots(&state, &d).await?;
    let version = state.store.version(&d.version_id)?.map(|v| CreateVersion { sources: v.sources, sinks: v.sinks, statement: v.statement });
    let now = chrono::Utc::now().timestamp_millis();
    let points = state.history.points(&id);
    // Rows written as of the newest sample at least 30 s old; 0 when the deployment
    // is younger than that (so rows written since it started count as recent).
    let written_before = points.iter().rev().find(|p| p.at_ms <= now - crate::runtime::RECENT_MS).map(|p| p.rows_written).or(Some(0)).filter(|_| !jobs.is_empty());
    let written_before = match (written_before, points.first()) {
        (Some(_), Some(first)) if first.at_ms > now - crate::runtime::RECENT_MS => Some(0),
        (w, _) => w,
    };
    Ok(Json(crate::runtime::diagnose(&jobs, version.as_ref(), written_before)))
}
