//! Validation of a version's SQL, and the script a deployment's worker runs. Both go
//! through the same `Session` as `sluice run`: parse and plan, never run.

use sluice_connector_api::ConnectorRegistry;
use sluice_planner::{Session, StatementOutcome};
use sluice_sql::{line_col, Diagnostic};

use crate::api::{CreateVersion, SqlError, VersionTable};
use crate::integrations::{self, ApplyError};
use crate::store::{Store, StoreError};

/// The pieces of a version in script order, each with the field that holds it.
fn pieces(version: &CreateVersion) -> Vec<(String, &str)> {
    let mut pieces = Vec::new();
    for (i, t) in version.sources.iter().enumerate() {
        pieces.push((format!("sources[{i}].create_table"), t.create_table.as_str()));
    }
    for (i, t) in version.sinks.iter().enumerate() {
        pieces.push((format!("sinks[{i}].create_table"), t.create_table.as_str()));
    }
    pieces.push(("statement".to_string(), version.statement.as_str()));
    pieces
}

fn sql_error(field: &str, text: &str, d: &Diagnostic) -> SqlError {
    let (line, column) = match d.span {
        Some(span) => {
            let (l, c) = line_col(text, span.start);
            (Some(l as u32), Some(c as u32))
        }
        None => (None, None),
    };
    SqlError { field: field.to_string(), message: d.message.clone(), line, column, hint: d.hint.clone() }
}

/// A version whose tables have their integrations' settings filled in, and the secret
/// values it now holds (empty when masked).
pub struct Resolved {
    pub version: CreateVersion,
    pub secrets: Vec<String>,
}

/// Fills in each table's integration (`integrations::apply`); with `masked`, secrets are
/// asterisks, as validation wants them. The errors name the field at fault.
pub fn resolve(version: &CreateVersion, store: &Store, masked: bool) -> Result<Result<Resolved, Vec<SqlError>>, StoreError> {
    let mut errors = Vec::new();
    let mut secrets = Vec::new();
    let mut resolve_tables = |what: &str, tables: &[VersionTable]| -> Result<Vec<VersionTable>, StoreError> {
        let mut out = Vec::new();
        for (i, t) in tables.iter().enumerate() {
            let Some(id) = &t.integration_id else {
                out.push(t.clone());
                continue;
            };
            let error = |field: &str, message: String, d: Option<&Diagnostic>| match d {
                Some(d) => sql_error(&format!("{what}[{i}].{field}"), &t.create_table, d),
                None => SqlError { field: format!("{what}[{i}].{field}"), message, line: None, column: None, hint: None },
            };
            let Some(stored) = store.integration(id)? else {
                errors.push(error("integration_id", format!("integration \"{id}\" not found"), None));
                out.push(t.clone());
                continue;
            };
            match integrations::apply(&t.create_table, &stored, masked) {
                Ok(text) => {
                    if !masked {
                        secrets.extend(stored.secrets.values());
                    }
                    out.push(VersionTable { create_table: text, integration_id: t.integration_id.clone() });
                }
                Err(ApplyError::Parse(d)) => {
                    errors.push(error("create_table", String::new(), Some(&d)));
                    out.push(t.clone());
                }
                Err(ApplyError::Mismatch(message)) => {
                    errors.push(error("create_table", message, None));
                    out.push(t.clone());
                }
            }
        }
        Ok(out)
    };
    let sources = resolve_tables("sources", &version.sources)?;
    let sinks = resolve_tables("sinks", &version.sinks)?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    secrets.sort_by_key(|s: &String| std::cmp::Reverse(s.len()));
    secrets.dedup();
    Ok(Ok(Resolved { version: CreateVersion { sources, sinks, statement: version.statement.clone() }, secrets }))
}

/// Every problem of the version's SQL, in order; empty when it would run. Each piece is
/// parsed on its own, so positions are within that piece; they are planned in one
/// session, sources and sinks first, so the statement sees their tables.
pub fn validate(version: &CreateVersion) -> Vec<SqlError> {
    let mut registry = ConnectorRegistry::default();
    sluice_connectors::register_all(&mut registry);
    let mut session = Session::new(registry);
    let mut errors = Vec::new();
    let pieces = pieces(version);
    let mut jobs = 0;
    for (field, text) in &pieces {
        if text.trim().is_empty() {
            errors.push(SqlError { field: field.clone(), message: "empty SQL".into(), line: None, column: None, hint: None });
            continue;
        }
        let statements = match sluice_sql::parse_statements(text) {
            Ok(s) => s,
            Err(d) => {
                errors.push(sql_error(field, text, &d));
                continue;
            }
        };
        for statement in &statements {
            match session.execute(statement, text) {
                Ok(StatementOutcome::Job(job)) => {
                    if field != "statement" {
                        errors.push(SqlError {
                            field: field.clone(),
                            message: "a source or sink holds only CREATE TABLE".into(),
                            line: Some(1),
                            column: Some(1),
                            hint: None,
                        });
                    } else if job.pipelines.iter().any(|(_, s)| matches!(s, sluice_planner::JobSink::Collect)) {
                        errors.push(SqlError {
                            field: field.clone(),
                            message: "a deployed statement writes into a sink table".into(),
                            line: Some(1),
                            column: Some(1),
                            hint: Some("Use INSERT INTO one of the sinks; a bare SELECT has nowhere to go.".into()),
                        });
                    } else {
                        jobs += 1;
                    }
                }
                Ok(_) => {}
                Err(d) => errors.push(sql_error(field, text, &d)),
            }
        }
    }
    if errors.is_empty() && jobs == 0 {
        errors.push(SqlError {
            field: "statement".into(),
            message: "the statement runs no job".into(),
            line: None,
            column: None,
            hint: Some("The statement is an INSERT INTO a sink (or EXECUTE STATEMENT SET).".into()),
        });
    }
    errors
}

/// The script of a version, as `sluice run` takes it: every piece, each ended by `;`.
pub fn script(version: &CreateVersion) -> String {
    let mut script = String::new();
    for (field, text) in pieces(version) {
        script.push_str(&format!("-- {field}\n"));
        let text = text.trim().trim_end_matches(';');
        script.push_str(text);
        script.push_str(";\n\n");
    }
    script
}
