use sluice_expr::ScalarExpr;
use sluice_sql::ast::Ident;
use sluice_sql::Diagnostic;
use sluice_types::TypeKind;

use crate::error::{user, PlanResult};
use crate::logical::PlanSchema;
use crate::suggest::did_you_mean;

/// A column visible in a FROM scope: its table alias (if any) and name. Its position is
/// the column index in the plan the scope describes.
#[derive(Clone, Debug)]
pub struct ScopeColumn {
    pub qualifier: Option<String>,
    pub name: String,
}

/// The names visible to expressions over a plan's output.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub columns: Vec<ScopeColumn>,
}

impl Scope {
    /// All columns of `schema` under one qualifier.
    pub fn qualified(qualifier: Option<&str>, schema: &PlanSchema) -> Self {
        Scope {
            columns: schema
                .fields
                .iter()
                .map(|f| ScopeColumn { qualifier: qualifier.map(str::to_string), name: f.name.clone() })
                .collect(),
        }
    }

    /// Resolves `a`, `t.a`, `r.f`, `t.r.f` to a column, followed by field accesses into
    /// `ROW` values.
    pub fn resolve(&self, parts: &[Ident], schema: &PlanSchema) -> PlanResult<ScalarExpr> {
        let span = parts[0].span.to(parts[parts.len() - 1].span);
        // A qualified name first: `t.a ...`.
        if parts.len() >= 2 {
            let matches: Vec<usize> = self
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.qualifier.as_deref() == Some(parts[0].value.as_str()) && c.name == parts[1].value)
                .map(|(i, _)| i)
                .collect();
            if let Some(&index) = matches.first() {
                return field_path(column(index, schema), &parts[2..]);
            }
            if self.columns.iter().any(|c| c.qualifier.as_deref() == Some(parts[0].value.as_str())) {
                let names = self
                    .columns
                    .iter()
                    .filter(|c| c.qualifier.as_deref() == Some(parts[0].value.as_str()))
                    .map(|c| c.name.as_str());
                let mut d = user(
                    format!("column \"{}\" not found in \"{}\"", parts[1].value, parts[0].value),
                    parts[1].span,
                );
                if let Some(label) = did_you_mean(&parts[1].value, names) {
                    d = d.with_label(label);
                }
                return Err(d);
            }
        }
        // An unqualified column, possibly followed by field accesses.
        let name = &parts[0];
        let matches: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == name.value)
            .map(|(i, _)| i)
            .collect();
        match matches.len() {
            0 => {
                let mut d = if parts.len() >= 2 {
                    user(format!("table or column \"{}\" not found", name.value), name.span)
                } else {
                    user(format!("column \"{}\" not found", name.value), name.span)
                };
                let candidates = self.columns.iter().map(|c| c.name.as_str());
                if let Some(label) = did_you_mean(&name.value, candidates) {
                    d = d.with_label(label);
                }
                Err(d)
            }
            1 => field_path(column(matches[0], schema), &parts[1..]),
            _ => {
                let tables: Vec<String> = matches
                    .iter()
                    .filter_map(|i| self.columns[*i].qualifier.clone())
                    .map(|q| format!("\"{q}\""))
                    .collect();
                Err(user(format!("column \"{}\" is ambiguous", name.value), span).with_hint(format!(
                    "It exists in {}; qualify it with the table name or alias.",
                    if tables.is_empty() { "several inputs".to_string() } else { tables.join(" and ") }
                )))
            }
        }
    }
}

fn column(index: usize, schema: &PlanSchema) -> ScalarExpr {
    ScalarExpr::Column { index, data_type: schema.fields[index].data_type.clone() }
}

/// Applies `.field` accesses to a `ROW` value.
pub fn field_path(mut expr: ScalarExpr, fields: &[Ident]) -> PlanResult<ScalarExpr> {
    for field in fields {
        expr = field_access(expr, field)?;
    }
    Ok(expr)
}

pub fn field_access(expr: ScalarExpr, field: &Ident) -> PlanResult<ScalarExpr> {
    let ty = expr.data_type().clone();
    let (TypeKind::Row(fields) | TypeKind::Structured { fields, .. }) = &ty.kind else {
        return Err(user(format!("cannot access field \"{}\" of a value of type {}", field.value, ty), field.span));
    };
    match fields.iter().position(|f| f.name == field.value) {
        Some(index) => {
            let mut data_type = fields[index].data_type.clone();
            // A field of a nullable row is nullable.
            data_type.nullable |= ty.nullable;
            Ok(ScalarExpr::Field { expr: Box::new(expr), index, data_type })
        }
        None => {
            let mut d: Diagnostic = user(format!("field \"{}\" not found in {}", field.value, ty), field.span);
            if let Some(label) = did_you_mean(&field.value, fields.iter().map(|f| f.name.as_str())) {
                d = d.with_label(label);
            }
            Err(d)
        }
    }
}
