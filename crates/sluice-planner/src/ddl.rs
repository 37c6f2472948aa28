//! `CREATE TABLE`: columns, computed columns, metadata, watermark, key and options,
//! checked against the connector.

use std::collections::{BTreeMap, HashSet};

use sluice_connector_api::{ConnectorError, ConnectorRegistry, TableSpec};
use sluice_expr::ScalarExpr;
use sluice_sql::ast::{self, ColumnKind, ExprKind};
use sluice_sql::{Diagnostic, ErrorClass, Span};
use sluice_types::TypeKind;

use crate::bind::{Binder, ExprContext, Scope, ScopeColumn};
use crate::catalog::{Catalog, CatalogEntry, CatalogTable, ColumnSpec, TableColumnKind, WatermarkSpec};
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{PlanField, PlanSchema};
use crate::suggest::did_you_mean;

/// Flink connectors that Sluice will provide but does not have yet: naming one is "not
/// supported yet", not an unknown connector.
const PLANNED_CONNECTORS: &[&str] = &["kafka", "upsert-kafka", "jdbc", "opensearch", "elasticsearch-7", "elasticsearch-6"];

/// Checks a `CREATE TABLE` and turns it into a catalog entry.
pub fn create_table(
    ct: &ast::CreateTable,
    catalog: &Catalog,
    registry: &ConnectorRegistry,
    source: &str,
) -> PlanResult<CatalogTable> {
    if let Some(q) = &ct.as_query {
        return Err(not_supported("CREATE TABLE ... AS SELECT", q.span));
    }
    let merged;
    let ct = match &ct.like {
        Some(like) => {
            let base = match catalog.get(&like.base().value) {
                Some(CatalogEntry::Table(t)) => t.definition.clone(),
                Some(CatalogEntry::View(_)) => {
                    return Err(user(format!("\"{}\" is a view: CREATE TABLE .. LIKE takes a table", like.base().value), like.span()))
                }
                None => {
                    let mut d = user(format!("table \"{}\" not found", like.base().value), like.span());
                    if let Some(label) = did_you_mean(&like.base().value, catalog.names()) {
                        d = d.with_label(label);
                    }
                    return Err(d);
                }
            };
            merged = merge_like(ct, &base)?;
            &merged
        }
        None => ct,
    };
    let mut seen = HashSet::new();
    for c in &ct.columns {
        if !seen.insert(c.name.value.as_str()) {
            return Err(user(format!("column \"{}\" is declared twice", c.name.value), c.name.span));
        }
    }

    let mut options = BTreeMap::new();
    let mut option_spans = BTreeMap::new();
    for o in &ct.options {
        if options.insert(o.key.clone(), o.value.clone()).is_some() {
            return Err(user(format!("option \"{}\" is given twice", o.key), o.key_span));
        }
        option_spans.insert(o.key.clone(), o.key_span);
    }
    let Some(connector) = options.get("connector").cloned() else {
        return Err(user(format!("table \"{}\" has no \"connector\" option", ct.name.base().value), ct.name.span())
            .with_hint("Add WITH ('connector' = '...'), for example 'filesystem', 'datagen', 'fake-data' or 'print'."));
    };
    let Some(factory) = registry.get(&connector) else {
        let span = ct.options.iter().find(|o| o.key == "connector").map(|o| o.value_span).unwrap_or(ct.span);
        if PLANNED_CONNECTORS.contains(&connector.as_str()) {
            return Err(not_supported(&format!("connector \"{connector}\""), span));
        }
        let mut d = user(format!("unknown connector \"{connector}\""), span);
        if let Some(label) = did_you_mean(&connector, registry.names()) {
            d = d.with_label(label);
        }
        return Err(d.with_hint(format!("Available connectors: {}.", registry.names().join(", "))));
    };

    // The primary key columns are NOT NULL.
    let mut primary_key = Vec::new();
    if let Some(pk) = &ct.primary_key {
        for col in &pk.columns {
            if !ct.columns.iter().any(|c| c.name.value == col.value) {
                return Err(user(format!("primary key column \"{}\" is not a column of the table", col.value), col.span));
            }
            primary_key.push(col.value.clone());
        }
    }

    // Physical and metadata columns make the row a source produces.
    let mut columns: Vec<ColumnSpec> = Vec::with_capacity(ct.columns.len());
    let spec_for_metadata = TableSpec {
        name: ct.name.base().value.clone(),
        physical_columns: Vec::new(),
        options: options.clone(),
        primary_key: primary_key.clone(),
        partition_keys: Vec::new(),
    };
    let offered = factory.metadata_columns(&spec_for_metadata);
    for c in &ct.columns {
        let not_null = primary_key.contains(&c.name.value);
        match &c.kind {
            ColumnKind::Physical { data_type, .. } => columns.push(ColumnSpec {
                name: c.name.value.clone(),
                data_type: if not_null { data_type.clone().with_nullable(false) } else { data_type.clone() },
                kind: TableColumnKind::Physical,
            }),
            ColumnKind::Metadata { data_type, from, is_virtual, .. } => {
                let key = from.as_ref().map(|(k, _)| k.clone()).unwrap_or_else(|| c.name.value.clone());
                if !offered.iter().any(|m| m.key == key) {
                    let span = from.as_ref().map(|(_, s)| *s).unwrap_or(c.name.span);
                    let mut d = user(format!("connector \"{connector}\" has no metadata key \"{key}\""), span);
                    if let Some(label) = did_you_mean(&key, offered.iter().map(|m| m.key)) {
                        d = d.with_label(label);
                    }
                    let keys: Vec<&str> = offered.iter().map(|m| m.key).collect();
                    d = d.with_hint(if keys.is_empty() {
                        format!("Connector \"{connector}\" offers no metadata columns.")
                    } else {
                        format!("Available metadata keys: {}.", keys.join(", "))
                    });
                    return Err(d);
                }
                columns.push(ColumnSpec {
                    name: c.name.value.clone(),
                    data_type: data_type.clone(),
                    kind: TableColumnKind::Metadata { key, is_virtual: *is_virtual },
                });
            }
            ColumnKind::Computed { .. } => {}
        }
    }

    // Computed columns are bound over the source row: physical columns, then metadata.
    let source_row: Vec<&ColumnSpec> = columns
        .iter()
        .filter(|c| matches!(c.kind, TableColumnKind::Physical))
        .chain(columns.iter().filter(|c| matches!(c.kind, TableColumnKind::Metadata { .. })))
        .collect();
    let source_schema = PlanSchema::new(source_row.iter().map(|c| PlanField::new(c.name.clone(), c.data_type.clone())).collect());
    let source_scope = Scope {
        columns: source_row.iter().map(|c| ScopeColumn { qualifier: None, name: c.name.clone() }).collect(),
    };
    let mut declared: Vec<ColumnSpec> = Vec::with_capacity(ct.columns.len());
    for c in &ct.columns {
        match &c.kind {
            ColumnKind::Computed { expr } => {
                let mut binder = Binder::new(catalog);
                let cx = ExprContext { scope: &source_scope, schema: &source_schema, grouped: None };
                let bound = binder.bind_expr(expr, &cx)?;
                let is_proctime = matches!(&expr.kind, ExprKind::Function(f)
                    if f.name.base().value.eq_ignore_ascii_case("PROCTIME") && f.args.is_empty());
                declared.push(ColumnSpec {
                    name: c.name.value.clone(),
                    data_type: bound.data_type().clone(),
                    kind: TableColumnKind::Computed {
                        expr: bound,
                        is_proctime,
                        text: source.get(expr.span.start as usize..expr.span.end as usize).unwrap_or("").to_string(),
                    },
                });
            }
            _ => {
                let spec = columns.iter().find(|s| s.name == c.name.value).expect("column collected above");
                declared.push(spec.clone());
            }
        }
    }

    let watermark = match &ct.watermark {
        None => None,
        Some(w) => Some(watermark(w, &declared, catalog, source)?),
    };

    let partition_keys = partition_keys(ct, &declared)?;
    let table = CatalogTable {
        name: ct.name.base().value.clone(),
        columns: declared,
        watermark,
        primary_key,
        partition_keys,
        options,
        connector,
        temporary: ct.temporary,
        option_spans,
        span: ct.span,
        definition: std::sync::Arc::new(ct.clone()),
    };
    check_options(&table, registry)?;
    Ok(table)
}

/// The `PARTITIONED BY` columns: physical columns of the table, each named once, as
/// Flink requires.
fn partition_keys(ct: &ast::CreateTable, declared: &[ColumnSpec]) -> PlanResult<Vec<String>> {
    let mut keys: Vec<String> = Vec::with_capacity(ct.partitioned_by.len());
    for key in &ct.partitioned_by {
        let Some(column) = declared.iter().find(|c| c.name == key.value) else {
            let mut d = user(format!("partition column \"{}\" is not a column of the table", key.value), key.span);
            if let Some(label) = did_you_mean(&key.value, declared.iter().map(|c| c.name.as_str())) {
                d = d.with_label(label);
            }
            return Err(d);
        };
        if !matches!(column.kind, TableColumnKind::Physical) {
            return Err(user(format!("partition column \"{}\" is not a physical column", key.value), key.span)
                .with_hint("Partition by columns the table stores, as Flink requires: not computed or metadata columns."));
        }
        if keys.contains(&key.value) {
            return Err(user(format!("partition column \"{}\" is named twice", key.value), key.span));
        }
        keys.push(key.value.clone());
    }
    Ok(keys)
}

fn watermark(
    w: &ast::WatermarkDef,
    declared: &[ColumnSpec],
    catalog: &Catalog,
    source: &str,
) -> PlanResult<WatermarkSpec> {
    let Some(column) = declared.iter().position(|c| c.name == w.column.value) else {
        let mut d = user(format!("watermark column \"{}\" is not a column of the table", w.column.value), w.column.span);
        if let Some(label) = did_you_mean(&w.column.value, declared.iter().map(|c| c.name.as_str())) {
            d = d.with_label(label);
        }
        return Err(d);
    };
    let rowtime_type = &declared[column].data_type;
    let precision_ok = match rowtime_type.kind {
        TypeKind::Timestamp { precision } | TypeKind::TimestampLtz { precision } => precision <= 3,
        _ => false,
    };
    if !precision_ok {
        return Err(user(
            format!("the watermark column \"{}\" has type {rowtime_type}", w.column.value),
            w.column.span,
        )
        .with_hint("A rowtime column must be TIMESTAMP(p) or TIMESTAMP_LTZ(p) with p from 0 to 3, as in Flink."));
    }
    let schema = PlanSchema::new(declared.iter().map(|c| PlanField::new(c.name.clone(), c.data_type.clone())).collect());
    let scope = Scope { columns: declared.iter().map(|c| ScopeColumn { qualifier: None, name: c.name.clone() }).collect() };
    let mut binder = Binder::new(catalog);
    let cx = ExprContext { scope: &scope, schema: &schema, grouped: None };
    let expr: ScalarExpr = binder.bind_expr(&w.expr, &cx)?;
    if std::mem::discriminant(&expr.data_type().kind) != std::mem::discriminant(&rowtime_type.kind) {
        return Err(user(
            format!("the watermark expression has type {}, but the rowtime column is {rowtime_type}", expr.data_type()),
            w.expr.span,
        ));
    }
    let text = source.get(w.expr.span.start as usize..w.expr.span.end as usize).unwrap_or("").to_string();
    Ok(WatermarkSpec { column, expr, text })
}

/// Asks the connector whether it accepts the options (as a source or as a sink: a table
/// is fine when either works; errors for the use it is put to come when it is used).
fn check_options(table: &CatalogTable, registry: &ConnectorRegistry) -> PlanResult<()> {
    idle_timeout_option(table)?;
    let Some(factory) = registry.get(&table.connector) else { return Ok(()) };
    let spec = table.spec();
    let as_source = factory.validate(&spec, true);
    let as_sink = factory.validate(&spec, false);
    match (as_source, as_sink) {
        (Ok(()), _) | (_, Ok(())) => Ok(()),
        (Err(a), Err(b)) => {
            let e = if matches!(a, ConnectorError::Unsupported { .. }) { b } else { a };
            Err(connector_diagnostic(e, table))
        }
    }
}

/// `'scan.watermark.idle-timeout'` of a table, when set: a Flink duration.
pub fn idle_timeout_option(table: &CatalogTable) -> PlanResult<Option<std::time::Duration>> {
    let key = crate::catalog::IDLE_TIMEOUT_OPTION;
    let Some(value) = table.options.get(key) else { return Ok(None) };
    crate::duration::parse_duration(value).map(Some).map_err(|e| {
        let span = table.option_spans.get(key).copied().unwrap_or(table.span);
        user(format!("invalid duration \"{value}\" for \"{key}\": {e}"), span)
            .with_hint("Write a duration such as '30 s' or '5 min'; '0' turns idleness off.")
    })
}

/// A connector error about a table, pointing at the option it names where it can.
pub fn connector_diagnostic(e: ConnectorError, table: &CatalogTable) -> Diagnostic {
    let option_span = |key: &str| table.option_spans.get(key).copied();
    let class = if e.is_user_error() || matches!(e, ConnectorError::BadRecord { .. }) {
        ErrorClass::User
    } else {
        ErrorClass::External
    };
    let (span, label, hint) = match &e {
        ConnectorError::UnknownOption { key, known, .. } => (
            option_span(key),
            did_you_mean(key, known.iter().map(|s| s.as_str())),
            Some(if key.starts_with("properties.") {
                // Hundreds of client properties: point at their list rather than print it.
                "'properties.*' are the Kafka client's properties: librdkafka's \
                 (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md), or the Java client's \
                 security keys, which Sluice translates (README: Kafka security)."
                    .to_string()
            } else {
                // A pattern's `#` stands for any name: shown as `*`.
                let known: Vec<String> = known.iter().map(|k| k.replace('#', "*")).collect();
                format!("Options of connector \"{}\": {}.", table.connector, known.join(", "))
            }),
        ),
        ConnectorError::InvalidOption { key, .. } => (option_span(key), None, None),
        ConnectorError::MissingOption { key, .. } => (
            None,
            None,
            Some(format!("Add '{key}' = '...' to the WITH clause of table \"{}\".", table.name)),
        ),
        ConnectorError::Io { .. } | ConnectorError::External(_) => {
            (None, None, Some("Check that the file or service is reachable; the job can be retried.".to_string()))
        }
        _ => (None, None, None),
    };
    let span: Span = span.unwrap_or(table.span);
    Diagnostic {
        class,
        message: format!("table \"{}\": {e}", table.name),
        span: Some(span),
        label,
        hint,
    }
}

/// `CREATE TABLE t (..) WITH (..) LIKE base (like-options)`: `t`'s definition merged
/// into `base`'s as Flink merges them. Physical columns are always taken, the base's
/// first. Each other feature follows its like-option (later options win over `ALL`):
/// `INCLUDING` takes the base's and fails on a clash, `OVERWRITING` lets `t`'s replace
/// the base's, `EXCLUDING` leaves the base's out. The defaults are Flink's: `INCLUDING`
/// everything but the options, which are `OVERWRITING`.
pub fn merge_like(ct: &ast::CreateTable, base: &ast::CreateTable) -> PlanResult<ast::CreateTable> {
    use ast::{LikeFeature as F, LikeStrategy as S};
    let strategy = |feature: F| -> PlanResult<S> {
        let mut chosen = if feature == F::Options { S::Overwriting } else { S::Including };
        for o in &ct.like_options {
            if o.feature == F::All && o.strategy == S::Overwriting {
                return Err(user("OVERWRITING ALL is not a like-option: ALL takes INCLUDING or EXCLUDING", o.span));
            }
            if o.feature == feature && o.strategy == S::Overwriting && matches!(feature, F::Constraints | F::Partitions) {
                return Err(user("OVERWRITING does not apply to CONSTRAINTS and PARTITIONS: use INCLUDING or EXCLUDING", o.span));
            }
            if o.feature == feature || (o.feature == F::All && feature != F::All) {
                chosen = o.strategy;
            }
        }
        Ok(chosen)
    };
    let (generated, metadata, options) = (strategy(F::Generated)?, strategy(F::Metadata)?, strategy(F::Options)?);
    let (watermarks, constraints, partitions) = (strategy(F::Watermarks)?, strategy(F::Constraints)?, strategy(F::Partitions)?);
    let kept = |c: &ast::ColumnDef| match c.kind {
        ast::ColumnKind::Physical { .. } => true,
        ast::ColumnKind::Computed { .. } => generated != S::Excluding,
        ast::ColumnKind::Metadata { .. } => metadata != S::Excluding,
    };
    let mut columns: Vec<ast::ColumnDef> = base.columns.iter().filter(|c| kept(c)).cloned().collect();
    for c in &ct.columns {
        let Some(i) = columns.iter().position(|b| b.name.value == c.name.value) else {
            columns.push(c.clone());
            continue;
        };
        let overwrite = match (&columns[i].kind, &c.kind) {
            (ast::ColumnKind::Computed { .. }, ast::ColumnKind::Computed { .. }) => generated == S::Overwriting,
            (ast::ColumnKind::Metadata { .. }, ast::ColumnKind::Metadata { .. }) => metadata == S::Overwriting,
            _ => false,
        };
        if !overwrite {
            let physical = matches!(c.kind, ast::ColumnKind::Physical { .. })
                || matches!(columns[i].kind, ast::ColumnKind::Physical { .. });
            let hint = if physical {
                "Rename the column: a physical column of the base table cannot be replaced."
            } else {
                "Rename the column, or let it replace the base's with OVERWRITING GENERATED (or OVERWRITING METADATA)."
            };
            return Err(user(format!("a column named \"{}\" already exists in the base table", c.name.value), c.name.span)
                .with_hint(hint));
        }
        columns[i] = c.clone();
    }
    let watermark = match (&base.watermark, &ct.watermark, watermarks) {
        (Some(b), Some(w), S::Including) if b.column.value == w.column.value => {
            return Err(user(format!("there already is a watermark for column \"{}\" in the base table", w.column.value), w.span)
                .with_hint("Replace it with OVERWRITING WATERMARKS, or leave it out with EXCLUDING WATERMARKS."))
        }
        (Some(b), Some(w), S::Including) => {
            return Err(not_supported(&format!("a second watermark (the base table has one for \"{}\")", b.column.value), w.span))
        }
        (_, Some(w), _) => Some(w.clone()),
        (Some(b), None, S::Including | S::Overwriting) => Some(b.clone()),
        (_, None, _) => None,
    };
    let primary_key = match (&base.primary_key, &ct.primary_key, constraints) {
        (Some(_), Some(pk), S::Including) => {
            return Err(user("the base table has a primary key already", pk.span)
                .with_hint("Leave the base's out with EXCLUDING CONSTRAINTS."))
        }
        (_, Some(pk), _) => Some(pk.clone()),
        (Some(b), None, S::Including) => Some(b.clone()),
        (_, None, _) => None,
    };
    let partitioned_by = match (base.partitioned_by.is_empty(), ct.partitioned_by.first(), partitions) {
        (false, Some(p), S::Including) => {
            return Err(user("the base table is partitioned already", p.span)
                .with_hint("Leave the base's partitions out with EXCLUDING PARTITIONS."))
        }
        (_, Some(_), _) => ct.partitioned_by.clone(),
        (false, None, S::Including) => base.partitioned_by.clone(),
        (_, None, _) => Vec::new(),
    };
    let mut table_options: Vec<ast::TableOption> = match options {
        S::Excluding => Vec::new(),
        _ => base.options.clone(),
    };
    for o in &ct.options {
        match table_options.iter().position(|b| b.key == o.key) {
            Some(_) if options == S::Including => {
                return Err(user(format!("option \"{}\" is set in the base table already", o.key), o.key_span)
                    .with_hint("Let this table's value win with OVERWRITING OPTIONS (the default)."))
            }
            Some(i) => table_options[i] = o.clone(),
            None => table_options.push(o.clone()),
        }
    }
    Ok(ast::CreateTable {
        columns,
        watermark,
        primary_key,
        partitioned_by,
        options: table_options,
        like: None,
        like_options: Vec::new(),
        comment: ct.comment.clone().or_else(|| base.comment.clone()),
        ..ct.clone()
    })
}