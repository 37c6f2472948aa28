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

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/applications", get(list_applications).post(create_application))
        .route("/api/v1/applications/{application_id}", get(get_application).delete(delete_application))
        .route("/api/v1/applications/{application_id}/versions", post(create_version))
        .route("/api/v1/applications/{application_id}/versions/validate", post(validate_version))
        .route("/api/v1/applications/{application_id}/versions/{version_id}", get(get_version))
        .route("/api/v1/applications/{application_id}/deployments", get(list_deployments).post(create_deployment))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}", get(get_deployment))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/stop", post(stop_deployment))
        .route("/api/v1/applications/{application_id}/deployments/{deployment_id}/cancel", post(cancel_deployment))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), authenticate));
    Router::new().route("/healthz", get(healthz)).merge(api).with_state(state)
}

/// Every route but `/healthz`: a known bearer token; `write` scope for anything but GET.
async fn authenticate(State(state): Shared, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
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
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::bad("name", "the name is 1 to 128 printable characters"));
    }
    match state.store.create_application(name)? {
        Some(app) => Ok((StatusCode::CREATED, Json(app))),
        None => Err(ApiError::Conflict { message: format!("an application named \"{name}\" exists") }),
    }
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}", responses((status = 200, body = Application), (status = 404, body = ErrorBody)))]
async fn get_application(State(state): Shared, Path(id): Path<String>) -> Result<Json<Application>, ApiError> {
    Ok(Json(application_of(&state, &id)?))
}

#[utoipa::path(delete, path = "/api/v1/applications/{application_id}",
    responses((status = 200, body = Application), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_application(State(state): Shared, Path(id): Path<String>) -> Result<Json<Application>, ApiError> {
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

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/versions", request_body = CreateVersion,
    responses((status = 201, body = ApplicationVersion), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_version(
    State(state): Shared,
    Path(id): Path<String>,
    Body(body): Body<CreateVersion>,
) -> Result<(StatusCode, Json<ApplicationVersion>), ApiError> {
    application_of(&state, &id)?;
    check_version(&body)?;
    let checked = body.clone();
    let errors = tokio::task::spawn_blocking(move || crate::validate::validate(&checked))
        .await
        .map_err(|e| ApiError::Internal(format!("validation crashed: {e}")))?;
    if !errors.is_empty() {
        return Err(ApiError::InvalidSql { errors });
    }
    Ok((StatusCode::CREATED, Json(state.store.create_version(&id, &body)?)))
}

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/versions/validate", request_body = CreateVersion,
    responses((status = 200, body = Validation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn validate_version(State(state): Shared, Path(id): Path<String>, Body(body): Body<CreateVersion>) -> Result<Json<Validation>, ApiError> {
    application_of(&state, &id)?;
    check_version(&body)?;
    let errors = tokio::task::spawn_blocking(move || crate::validate::validate(&body))
        .await
        .map_err(|e| ApiError::Internal(format!("validation crashed: {e}")))?;
    Ok(Json(Validation { valid: errors.is_empty(), errors }))
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}/versions/{version_id}",
    responses((status = 200, body = ApplicationVersion), (status = 404, body = ErrorBody)))]
async fn get_version(State(state): Shared, Path((app, version)): Path<(String, String)>) -> Result<Json<ApplicationVersion>, ApiError> {
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

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/deployments", request_body = CreateDeployment,
    responses((status = 201, body = Deployment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_deployment(
    State(state): Shared,
    Path(app): Path<String>,
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
    let at = now();
    let deployment = Deployment {
        id: new_id(),
        application_id: app,
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
    };
    state.store.create_deployment(&deployment)?;
    state.supervisor.start(&deployment.id);
    Ok((StatusCode::CREATED, Json(deployment)))
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments",
    responses((status = 200, body = DeploymentList), (status = 404, body = ErrorBody)))]
async fn list_deployments(State(state): Shared, Path(app): Path<String>) -> Result<Json<DeploymentList>, ApiError> {
    application_of(&state, &app)?;
    let deployments = state.store.deployments(Some(&app))?.into_iter().map(|r| r.deployment).collect();
    Ok(Json(DeploymentList { deployments }))
}

#[utoipa::path(get, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}",
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody)))]
async fn get_deployment(State(state): Shared, Path((app, id)): Path<(String, String)>) -> Result<Json<Deployment>, ApiError> {
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

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/stop",
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn stop_deployment(State(state): Shared, Path((app, id)): Path<(String, String)>) -> Result<Json<Deployment>, ApiError> {
    control(&state, &app, &id, Control::Stop).await
}

#[utoipa::path(post, path = "/api/v1/applications/{application_id}/deployments/{deployment_id}/cancel",
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_deployment(State(state): Shared, Path((app, id)): Path<(String, String)>) -> Result<Json<Deployment>, ApiError> {
    control(&state, &app, &id, Control::Cancel).await
}

