use std::sync::Arc;

use sluice_connector_api::{ConnectorRegistry, SinkWriter};
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_runtime::Dataflow;
use sluice_sql::ast::{self, ObjectKind, ShowKind, Statement};
use sluice_sql::{Diagnostic, ErrorClass, Span};
use sluice_types::DataType;

use crate::bind::Binder;
use crate::catalog::{Catalog, CatalogEntry, CatalogTable, CatalogView, TableColumnKind};
use crate::config::SessionConfig;
use crate::ddl::{connector_diagnostic, create_table};
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{LogicalPlan, PlanSchema};
use crate::suggest::did_you_mean;

/// A session: the catalog, the `SET` options and the connectors, as a Flink
/// `TableEnvironment` has them. Statements are executed one at a time, in order.
pub struct Session {
    pub catalog: Catalog,
    pub config: SessionConfig,
    registry: ConnectorRegistry,
}

/// A table of text for `SHOW` and `DESCRIBE`.
#[derive(Clone, Debug, PartialEq)]
pub struct TableResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Where a job writes one of its results.
#[derive(Clone, Debug)]
pub enum JobSink {
    /// `INSERT INTO table`.
    Table(Arc<CatalogTable>),
    /// A bare `SELECT`: rows go back to the caller.
    Collect,
}

/// A job to run: one or more queries, each into its sink. `EXECUTE STATEMENT SET` makes
/// one job of several INSERTs.
#[derive(Clone, Debug)]
pub struct Job {
    /// A name for logs, e.g. `insert-into_iot_filtered_alert`.
    pub name: String,
    pub pipelines: Vec<(LogicalPlan, JobSink)>,
}

/// What a statement did.
#[derive(Debug)]
pub enum StatementOutcome {
    /// DDL and SET: nothing to show beyond success.
    Done,
    Table(TableResult),
    Explain(String),
    /// Text printed as it is (`SHOW CREATE TABLE`), ending with its own newline.
    Text(String),
    Job(Job),
}

impl Session {
    pub fn new(registry: ConnectorRegistry) -> Self {
        Session { catalog: Catalog::default(), config: SessionConfig::default(), registry }
    }

    pub fn registry(&self) -> &ConnectorRegistry {
        &self.registry
    }

    /// The evaluation context of the session's settings (time zone).
    pub fn eval_context(&self) -> EvalContext {
        EvalContext { time_zone: self.config.time_zone(), ..Default::default() }
    }

    /// Executes one statement. `source` is the script text the statement's spans point into.
    pub fn execute(&mut self, statement: &Statement, source: &str) -> PlanResult<StatementOutcome> {
        // The config may also have been set directly (`sluice run -D key=value`).
        self.refresh_python_settings();
        match statement {
            Statement::Set { key, value, span } => match (key, value) {
                (Some((k, _)), Some((v, vspan))) => {
                    self.config.set(k, v).map_err(|m| user(m, *vspan))?;
                    Ok(StatementOutcome::Done)
                }
                (None, None) => Ok(StatementOutcome::Table(TableResult {
                    columns: vec!["key".into(), "value".into()],
                    rows: self.config.entries().map(|(k, v)| vec![k.clone(), v.clone()]).collect(),
                })),
                _ => Err(user("SET needs a key and a value: SET 'key' = 'value'", *span)),
            },
            Statement::Reset { key, .. } => {
                self.config.reset(key.as_ref().map(|(k, _)| k.as_str()));
                Ok(StatementOutcome::Done)
            }
            Statement::CreateTable(ct) if ct.as_query.is_some() => self.create_table_as(ct, source),
            Statement::CreateTable(ct) => {
                let name = &ct.name.base().value;
                if self.catalog.contains(name) {
                    if ct.if_not_exists {
                        return Ok(StatementOutcome::Done);
                    }
                    return Err(user(format!("table \"{name}\" already exists"), ct.name.span())
                        .with_hint("Use CREATE TABLE IF NOT EXISTS, or DROP TABLE first."));
                }
                let table = create_table(ct, &self.catalog, &self.registry, source)?;
                self.catalog.add_table(table);
                Ok(StatementOutcome::Done)
            }
            Statement::CreateView(cv) => {
                let name = &cv.name.base().value;
                if self.catalog.contains(name) {
                    if cv.if_not_exists {
                        return Ok(StatementOutcome::Done);
                    }
                    return Err(user(format!("view \"{name}\" already exists"), cv.name.span()));
                }
                // Bind now so that errors show at CREATE VIEW, as in Flink.
                let mut binder = Binder::new(&self.catalog);
                let plan = binder.bind_query(&cv.query)?;
                if !cv.columns.is_empty() && cv.columns.len() != plan.schema().len() {
                    return Err(user(
                        format!("view \"{name}\" names {} columns but its query has {}", cv.columns.len(), plan.schema().len()),
                        cv.span,
                    ));
                }
                self.catalog.add_view(CatalogView {
                    name: name.clone(),
                    columns: cv.columns.clone(),
                    query: (*cv.query).clone(),
                    temporary: cv.temporary,
                });
                Ok(StatementOutcome::Done)
            }
            Statement::CreateFunction(cf) => self.create_function(cf),
            Statement::Drop { object, if_exists, name, span, .. } => {
                let n = &name.base().value;
                let dropped = match object {
                    ObjectKind::Table => self.catalog.drop_table(n),
                    ObjectKind::View => self.catalog.drop_view(n),
                    ObjectKind::Function => {
                        if !self.catalog.drop_function(n) && !if_exists {
                            return Err(user(format!("function \"{n}\" does not exist"), name.span())
                                .with_hint("Use DROP FUNCTION IF EXISTS to ignore a missing function."));
                        }
                        return Ok(StatementOutcome::Done);
                    }
                    ObjectKind::Catalog | ObjectKind::Database => return Err(not_supported("catalogs and databases", *span)),
                };
                if !dropped && !if_exists {
                    let mut d = user(format!("\"{n}\" does not exist"), name.span());
                    if let Some(label) = did_you_mean(n, self.catalog.names()) {
                        d = d.with_label(label);
                    }
                    return Err(d);
                }
                Ok(StatementOutcome::Done)
            }
            Statement::Show { what, span } => self.show(what, *span, source),
            Statement::Describe { name, .. } => self.describe(name).map(StatementOutcome::Table),
            Statement::Use { catalog, name, span } => {
                // Sluice has Flink's default catalog and database only: using them is a
                // no-op, as in a Flink session that has nothing else.
                let parts: Vec<&str> = name.parts.iter().map(|p| p.value.as_str()).collect();
                let default = match (catalog, parts.as_slice()) {
                    (true, ["default_catalog"]) => true,
                    (false, ["default_database"] | ["default_catalog", "default_database"]) => true,
                    _ => false,
                };
                if default {
                    Ok(StatementOutcome::Done)
                } else {
                    Err(not_supported("catalogs and databases other than default_catalog.default_database", *span)
                        .with_hint("Sluice keeps tables in Flink's default catalog and database; leave the USE out."))
                }
            }
            Statement::Insert(insert) => {
                let sink = self.plan_insert(insert)?;
                let name = format!("insert-into_{}", insert.table.base().value);
                Ok(StatementOutcome::Job(Job { name, pipelines: vec![sink] }))
            }
            Statement::StatementSet { inserts, span } => {
                if inserts.is_empty() {
                    return Err(user("the statement set has no INSERT statements", *span));
                }
                let pipelines = inserts.iter().map(|i| self.plan_insert(i)).collect::<PlanResult<Vec<_>>>()?;
                let names: Vec<String> = inserts.iter().map(|i| i.table.base().value.clone()).collect();
                Ok(StatementOutcome::Job(Job { name: format!("insert-into_{}", names.join("_")), pipelines }))
            }
            Statement::Query(query) => {
                let mut binder = Binder::new(&self.catalog);
                let plan = crate::rewrite::optimize(binder.bind_query(query)?);
                Ok(StatementOutcome::Job(Job { name: "collect".into(), pipelines: vec![(plan, JobSink::Collect)] }))
            }
            Statement::Explain { statement, span, .. } => {
                let job = match self.execute_for_explain(statement, source)? {
                    Some(job) => job,
                    None => return Err(user("EXPLAIN needs a query, an INSERT or a statement set", *span)),
                };
                let mut text = crate::explain::explain(&job);
                let (parallelism, note) = self.config.job_parallelism().map_err(|e| user(e, *span))?;
                if parallelism > 1 {
                    let instance = crate::lower::Instance { subtask: 0, parallelism, connect: false };
                    let dataflow =
                        crate::lower::lower_job(&job, &self.registry, &self.eval_context(), None, &self.config, instance)?;
                    text.push_str(&crate::explain::physical(&dataflow, parallelism));
                }
                if let Some(note) = note {
                    text.push_str(&format!("\n== Warnings ==\n{note}\n"));
                }
                Ok(StatementOutcome::Explain(text))
            }
        }
    }

    /// `CREATE [TEMPORARY] [SYSTEM] FUNCTION name AS 'module.function' LANGUAGE PYTHON` (and
    /// `REGISTER FUNCTION`). The module is loaded when a query first calls the function, so
    /// `python.*` settings made after this statement still apply.
    fn create_function(&mut self, cf: &ast::CreateFunction) -> PlanResult<StatementOutcome> {
        let language = cf.language.as_ref().map(|l| l.value.to_ascii_uppercase());
        let (target, target_span) = &cf.class_name;
        let java = sluice_expr::JAVA_FUNCTIONS.iter().find(|c| **c == target.trim());
        if language.as_deref() != Some("PYTHON") && (java.is_none() || language.as_deref().is_some_and(|l| l != "JAVA")) {
            let span = cf.language.as_ref().map(|l| l.span).unwrap_or(cf.span);
            return Err(not_supported("Java and Scala functions (CREATE FUNCTION without LANGUAGE PYTHON)", span).with_hint(
                "Sluice runs without a JVM. Python functions run: CREATE FUNCTION f AS 'module.function' LANGUAGE PYTHON. \
                 Of Java classes it runs only the Nexmark suite's com.github.nexmark.flink.udf.CountChar, natively.",
            ));
        }
        let name = &cf.name.base().value;
        if self.catalog.function(name).is_some() {
            if cf.if_not_exists {
                return Ok(StatementOutcome::Done);
            }
            return Err(user(format!("function \"{name}\" already exists"), cf.name.span())
                .with_hint("Use CREATE FUNCTION IF NOT EXISTS, or DROP FUNCTION first."));
        }
        if let (Some(class), true) = (java, language.as_deref() != Some("PYTHON")) {
            self.catalog.add_java_function(name, class, cf.temporary, cf.system);
            return Ok(StatementOutcome::Done);
        }
        let parts: Vec<&str> = target.rsplitn(2, '.').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.trim().is_empty()) {
            return Err(user(format!("\"{target}\" is not a Python function's full name"), *target_span)
                .with_hint("Name the module and the function: AS 'my_module.my_function'."));
        }
        self.catalog.add_function(name, target.trim(), cf.temporary, cf.system);
        Ok(StatementOutcome::Done)
    }

    /// `CREATE TABLE t [(PRIMARY KEY (..) NOT ENFORCED)] WITH (..) AS query`: a table with
    /// the query's columns (names and types, time attributes as plain timestamps), then
    /// the job that writes the query into it, as Flink runs it.
    fn create_table_as(&mut self, ct: &ast::CreateTable, source: &str) -> PlanResult<StatementOutcome> {
        let Some(query) = &ct.as_query else { return Err(user("CREATE TABLE .. AS needs a query", ct.span)) };
        let name = &ct.name.base().value;
        if self.catalog.contains(name) {
            return Err(user(format!("table \"{name}\" already exists"), ct.name.span())
                .with_hint("CREATE TABLE .. AS SELECT creates a new table: DROP TABLE first, or INSERT INTO it."));
        }
        if let Some(c) = ct.columns.first() {
            return Err(not_supported("column definitions in CREATE TABLE .. AS SELECT", c.span)
                .with_hint("The table takes the query's columns: name and cast them in the SELECT list."));
        }
        if let Some(w) = &ct.watermark {
            return Err(not_supported("a WATERMARK in CREATE TABLE .. AS SELECT", w.span));
        }
        if let Some(like) = &ct.like {
            return Err(user("CREATE TABLE cannot have both LIKE and AS SELECT", like.span()));
        }
        let mut binder = Binder::new(&self.catalog);
        let plan = binder.bind_query(query)?;
        let mut seen = std::collections::HashSet::new();
        for f in &plan.schema().fields {
            if !seen.insert(f.name.as_str()) {
                return Err(user(format!("the query of CREATE TABLE .. AS SELECT has two columns named \"{}\"", f.name), query.span)
                    .with_hint("Give each column of the SELECT list its own name with AS."));
            }
        }
        if let Some(pk) = &ct.primary_key {
            for col in &pk.columns {
                match plan.schema().fields.iter().find(|f| f.name == col.value) {
                    None => return Err(user(format!("primary key column \"{}\" is not a column of the query", col.value), col.span)),
                    Some(f) if f.data_type.nullable => {
                        return Err(user(format!("invalid primary key: column \"{}\" is nullable", col.value), col.span)
                            .with_hint("A key column must be NOT NULL, as in Flink: select it as COALESCE(column, default) so that its type is NOT NULL."))
                    }
                    Some(_) => {}
                }
            }
        }
        let columns = plan
            .schema()
            .fields
            .iter()
            .map(|f| ast::ColumnDef {
                name: ast::Ident { value: f.name.clone(), quoted: true, span: query.span },
                kind: ast::ColumnKind::Physical { data_type: f.data_type.clone(), type_span: query.span },
                comment: None,
                span: query.span,
            })
            .collect();
        let table = ast::CreateTable { columns, as_query: None, ..ct.clone() };
        let created = create_table(&table, &self.catalog, &self.registry, source)?;
        self.catalog.add_table(created);
        let insert = ast::Insert {
            table: ct.name.clone(),
            overwrite: false,
            partition: Vec::new(),
            columns: Vec::new(),
            table_hints: Vec::new(),
            source: query.clone(),
            span: ct.span,
        };
        let planned = self.plan_insert(&insert);
        let sink = match planned {
            Ok(sink) => sink,
            Err(e) => {
                // Flink creates the table only with its job.
                self.catalog.drop_table(name);
                return Err(e);
            }
        };
        Ok(StatementOutcome::Job(Job { name: format!("insert-into_{name}"), pipelines: vec![sink] }))
    }

    /// Hands the current `python.*` settings to the Python functions' workers (read when a
    /// worker starts).
    fn refresh_python_settings(&mut self) {
        let settings = self.config.python_settings();
        if let Ok(mut current) = self.catalog.python.write() {
            *current = settings;
        }
    }

    fn execute_for_explain(&mut self, statement: &Statement, source: &str) -> PlanResult<Option<Job>> {
        match statement {
            Statement::Insert(_) | Statement::StatementSet { .. } | Statement::Query(_) => match self.execute(statement, source)? {
                StatementOutcome::Job(job) => Ok(Some(job)),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// Binds `INSERT INTO t [(cols)] query`: the query's columns are matched to the
    /// table's by position and cast as Flink's implicit assignment casts allow.
    fn plan_insert(&self, insert: &ast::Insert) -> PlanResult<(LogicalPlan, JobSink)> {
        let name = &insert.table.base().value;
        let table = match self.catalog.get(name) {
            Some(CatalogEntry::Table(t)) => t,
            Some(CatalogEntry::View(_)) => {
                return Err(user(format!("cannot insert into view \"{name}\""), insert.table.span()))
            }
            None => {
                let mut d = user(format!("table \"{name}\" not found"), insert.table.span());
                if let Some(label) = did_you_mean(name, self.catalog.names()) {
                    d = d.with_label(label);
                }
                return Err(d.with_hint("Create the sink table with CREATE TABLE before INSERT INTO."));
            }
        };
        let factory = self.registry.get(&table.connector).ok_or_else(|| {
            user(format!("unknown connector \"{}\"", table.connector), table.span)
        })?;
        factory.validate(&table.spec(), false).map_err(|e| connector_diagnostic(e, &table))?;
        if !table.partition_keys.is_empty() && !factory.supports_partitioning() {
            return Err(user(
                format!("table \"{name}\" is partitioned, but connector \"{}\" cannot write partitions", table.connector),
                insert.table.span(),
            )
            .with_hint("Only the filesystem connector writes PARTITIONED BY tables, as in Flink; drop PARTITIONED BY from the table."));
        }

        let mut binder = Binder::new(&self.catalog);
        let plan = binder.bind_query(&insert.source)?;
        check_single_rowtime(plan.schema(), name, insert.source.span)?;
        let sink_columns: Vec<(String, DataType)> =
            table.sink_columns().map(|c| (c.name.clone(), c.data_type.clone())).collect();
        let offered = factory.metadata_columns(&table.spec());
        for c in &table.columns {
            if let TableColumnKind::Metadata { key, is_virtual: false, .. } = &c.kind {
                if !offered.iter().any(|m| m.key == key && m.writable) {
                    return Err(user(
                        format!("metadata column \"{}\" of table \"{name}\" cannot be written: connector \"{}\" reads \"{key}\" only", c.name, table.connector),
                        insert.table.span(),
                    )
                    .with_hint(format!("Declare it as `{} ... METADATA FROM '{key}' VIRTUAL` so that INSERT leaves it out.", c.name)));
                }
            }
        }

        // `PARTITION (k = value, ...)`: constants for partition columns, which the query
        // then leaves out.
        let mut statics: Vec<Option<ScalarExpr>> = vec![None; sink_columns.len()];
        for (col, value) in &insert.partition {
            if !table.partition_keys.contains(&col.value) {
                return Err(user(format!("\"{}\" is not a partition column of table \"{name}\"", col.value), col.span)
                    .with_hint(format!("The partition columns are ({}).", table.partition_keys.join(", "))));
            }
            let Some(si) = sink_columns.iter().position(|(n, _)| *n == col.value) else {
                return Err(crate::lower::internal(&format!("partition column \"{}\" is not a sink column", col.value)));
            };
            let mut binder = Binder::new(&self.catalog);
            let (scope, schema) = (crate::bind::Scope::default(), PlanSchema::new(Vec::new()));
            let cx = crate::bind::ExprContext { scope: &scope, schema: &schema, grouped: None };
            let bound = binder.bind_expr(value, &cx)?;
            if !matches!(bound, ScalarExpr::Literal { .. }) {
                return Err(user(format!("the value of partition column \"{}\" is not a literal", col.value), value.span));
            }
            let col_type = &sink_columns[si].1;
            let from = bound.data_type().clone();
            let cast = if same_ignoring_nullability(&from, col_type) { Some(bound) } else { sluice_expr::assignment_cast(bound, col_type) };
            let Some(cast) = cast else {
                return Err(user(format!("cannot write {from} into partition column \"{}\" of type {col_type}", col.value), value.span));
            };
            if statics[si].replace(cast).is_some() {
                return Err(user(format!("partition column \"{}\" is given twice", col.value), col.span));
            }
        }
        let dynamic: Vec<usize> = (0..sink_columns.len()).filter(|i| statics[*i].is_none()).collect();

        // Which query column feeds each sink column (None: NULL).
        let query_fields = &plan.schema().fields;
        let targets: Vec<Option<usize>> = if insert.columns.is_empty() && !insert.partition.is_empty() {
            if query_fields.len() != dynamic.len() {
                return Err(user(
                    format!(
                        "the query has {} columns but table \"{name}\" takes {} besides its static partition columns",
                        query_fields.len(),
                        dynamic.len()
                    ),
                    insert.source.span,
                )
                .with_hint(format!(
                    "Table \"{name}\" takes ({}) besides the PARTITION clause.",
                    describe_columns(dynamic.iter().map(|i| (sink_columns[*i].0.as_str(), &sink_columns[*i].1)))
                )));
            }
            let mut targets = vec![None; sink_columns.len()];
            for (qi, si) in dynamic.iter().enumerate() {
                targets[*si] = Some(qi);
            }
            targets
        } else if insert.columns.is_empty() {
            if query_fields.len() != sink_columns.len() {
                return Err(user(
                    format!(
                        "the query has {} columns but table \"{name}\" has {}",
                        query_fields.len(),
                        sink_columns.len()
                    ),
                    insert.source.span,
                )
                .with_hint(format!(
                    "Table \"{name}\" takes ({}); the query gives ({}).",
                    describe_columns(sink_columns.iter().map(|(n, t)| (n.as_str(), t))),
                    describe_columns(query_fields.iter().map(|f| (f.name.as_str(), &f.data_type)))
                )));
            }
            (0..sink_columns.len()).map(Some).collect()
        } else {
            if insert.columns.len() != query_fields.len() {
                return Err(user(
                    format!("{} columns are listed but the query has {}", insert.columns.len(), query_fields.len()),
                    insert.source.span,
                ));
            }
            let mut targets = vec![None; sink_columns.len()];
            for (qi, col) in insert.columns.iter().enumerate() {
                let Some(si) = sink_columns.iter().position(|(n, _)| *n == col.value) else {
                    let mut d = user(format!("column \"{}\" not found in table \"{name}\"", col.value), col.span);
                    if let Some(label) = did_you_mean(&col.value, sink_columns.iter().map(|(n, _)| n.as_str())) {
                        d = d.with_label(label);
                    }
                    return Err(d);
                };
                targets[si] = Some(qi);
            }
            targets
        };

        let mut exprs = Vec::with_capacity(sink_columns.len());
        for (((col_name, col_type), source_index), fixed) in sink_columns.iter().zip(&targets).zip(statics) {
            if let Some(fixed) = fixed {
                if source_index.is_some() {
                    return Err(user(format!("column \"{col_name}\" has a static partition value and is listed too"), insert.span));
                }
                exprs.push(fixed);
                continue;
            }
            let expr = match source_index {
                None => {
                    if !col_type.nullable {
                        return Err(user(format!("column \"{col_name}\" is NOT NULL and has no value"), insert.span));
                    }
                    ScalarExpr::Literal { value: sluice_types::ScalarValue::Null, data_type: col_type.clone() }
                }
                Some(qi) => {
                    let field = &query_fields[*qi];
                    let column = ScalarExpr::Column { index: *qi, data_type: field.data_type.clone() };
                    if field.data_type == *col_type {
                        column
                    } else if same_ignoring_nullability(&field.data_type, col_type) {
                        column
                    } else {
                        sluice_expr::assignment_cast(column, col_type).ok_or_else(|| {
                            user(
                                format!(
                                    "cannot write {} into column \"{col_name}\" of type {col_type}",
                                    field.data_type
                                ),
                                select_item_span(&insert.source, *qi).unwrap_or(insert.source.span),
                            )
                            .with_hint(format!(
                                "Column {} of the query (\"{}\") goes into \"{col_name}\"; add an explicit CAST if the conversion is intended.",
                                qi + 1,
                                field.name
                            ))
                        })?
                    }
                }
            };
            exprs.push(expr);
        }
        // The sink takes its physical columns first, then the written metadata columns.
        let mut names: Vec<String> = sink_columns.iter().map(|(n, _)| n.clone()).collect();
        let is_physical: Vec<bool> = table.sink_columns().map(|c| matches!(c.kind, TableColumnKind::Physical)).collect();
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by_key(|i| !is_physical[*i]);
        let mut exprs: Vec<Option<ScalarExpr>> = exprs.into_iter().map(Some).collect();
        let exprs: Vec<ScalarExpr> = order.iter().filter_map(|i| exprs[*i].take()).collect();
        names = order.iter().map(|i| std::mem::take(&mut names[*i])).collect();
        let projected = crate::rewrite::optimize(plan.project(exprs, names));
        Ok((projected, JobSink::Table(table)))
    }

    fn show(&self, what: &ShowKind, _span: Span, _source: &str) -> PlanResult<StatementOutcome> {
        let one_column = |title: &str, rows: Vec<String>| {
            StatementOutcome::Table(TableResult { columns: vec![title.to_string()], rows: rows.into_iter().map(|r| vec![r]).collect() })
        };
        Ok(match what {
            ShowKind::Tables => one_column("table name", self.catalog.names().into_iter().map(String::from).collect()),
            ShowKind::Views => one_column("view name", self.catalog.view_names().into_iter().map(String::from).collect()),
            ShowKind::Functions => {
                let mut names: Vec<String> = sluice_expr::function_names().into_iter().map(|s| s.to_lowercase()).collect();
                names.extend(self.catalog.function_names().into_iter().map(|s| s.to_lowercase()));
                names.sort();
                names.dedup();
                one_column("function name", names)
            }
            ShowKind::Catalogs => one_column("catalog name", vec!["default_catalog".into()]),
            ShowKind::Databases => one_column("database name", vec!["default_database".into()]),
            ShowKind::CurrentCatalog => one_column("current catalog name", vec!["default_catalog".into()]),
            ShowKind::CurrentDatabase => one_column("current database name", vec!["default_database".into()]),
            ShowKind::CreateTable(name) => match self.catalog.get(&name.base().value) {
                Some(CatalogEntry::Table(t)) => StatementOutcome::Text(crate::show_create::show_create_table(&t)),
                Some(CatalogEntry::View(_)) => {
                    return Err(user(format!("\"{}\" is a view, not a table", name.base().value), name.span())
                        .with_hint("Use SHOW CREATE VIEW for a view, as in Flink."))
                }
                None => return Err(self.not_found(name)),
            },
            ShowKind::CreateView(name) => match self.catalog.get(&name.base().value) {
                Some(CatalogEntry::View(v)) => StatementOutcome::Text(crate::show_create::show_create_view(&v, &self.catalog)?),
                Some(CatalogEntry::Table(_)) => {
                    return Err(user(format!("\"{}\" is a table, not a view", name.base().value), name.span())
                        .with_hint("Use SHOW CREATE TABLE for a table, as in Flink."))
                }
                None => return Err(self.not_found(name)),
            },
        })
    }

    /// `DESCRIBE t` in Flink's layout: name, type, null, key, extras, watermark.
    fn describe(&self, name: &ast::ObjectName) -> PlanResult<TableResult> {
        let n = &name.base().value;
        let columns = vec!["name", "type", "null", "key", "extras", "watermark"].into_iter().map(String::from).collect();
        match self.catalog.get(n) {
            Some(CatalogEntry::Table(t)) => {
                let rowtime = t.watermark.as_ref().map(|w| w.column);
                let rows = t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let mut ty = c.data_type.clone().with_nullable(true).to_string();
                        if Some(i) == rowtime {
                            ty.push_str(" *ROWTIME*");
                        }
                        if matches!(c.kind, TableColumnKind::Computed { is_proctime: true, .. }) {
                            ty = "TIMESTAMP_LTZ(3) *PROCTIME*".into();
                        }
                        let key = if t.primary_key.contains(&c.name) { format!("PRI({})", t.primary_key.join(", ")) } else { String::new() };
                        let extras = match &c.kind {
                            TableColumnKind::Physical => String::new(),
                            TableColumnKind::Metadata { key, is_virtual } => {
                                format!("METADATA FROM '{key}'{}", if *is_virtual { " VIRTUAL" } else { "" })
                            }
                            TableColumnKind::Computed { text, .. } => format!("AS {text}"),
                        };
                        let watermark = match &t.watermark {
                            Some(w) if w.column == i => w.text.clone(),
                            _ => String::new(),
                        };
                        vec![
                            c.name.clone(),
                            ty,
                            if c.data_type.nullable { "TRUE" } else { "FALSE" }.to_string(),
                            key,
                            extras,
                            watermark,
                        ]
                    })
                    .collect();
                Ok(TableResult { columns, rows })
            }
            Some(CatalogEntry::View(v)) => {
                let mut binder = Binder::new(&self.catalog);
                let plan = binder.bind_query(&v.query)?;
                let rows = plan
                    .schema()
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let name = v.columns.get(i).map(|c| c.value.clone()).unwrap_or_else(|| f.name.clone());
                        vec![name, f.data_type.to_string(), if f.data_type.nullable { "TRUE" } else { "FALSE" }.into(), String::new(), String::new(), String::new()]
                    })
                    .collect();
                Ok(TableResult { columns, rows })
            }
            None => Err(self.not_found(name)),
        }
    }

    /// "table not found", with the closest name.
    fn not_found(&self, name: &ast::ObjectName) -> Diagnostic {
        let n = &name.base().value;
        let mut d = user(format!("table \"{n}\" not found"), name.span());
        if let Some(label) = did_you_mean(n, self.catalog.names()) {
            d = d.with_label(label);
        }
        d
    }

    /// Builds the runtime dataflow of a job. `collect` receives the rows of a bare SELECT.
    pub fn build_dataflow(&self, job: &Job, collect: Option<Box<dyn SinkWriter>>) -> Result<Dataflow, Diagnostic> {
        self.build_dataflow_for(job, collect, 0, 1)
    }

    /// The job's dataflow for subtask `subtask` of `parallelism`.
    fn build_dataflow_for(
        &self,
        job: &Job,
        collect: Option<Box<dyn SinkWriter>>,
        subtask: usize,
        parallelism: usize,
    ) -> Result<Dataflow, Diagnostic> {
        let instance = crate::lower::Instance { subtask, parallelism, connect: true };
        crate::lower::lower_job(job, &self.registry, &self.eval_context(), collect, &self.config, instance)
    }

    /// The job lowered for the session's parallelism (`parallelism.default`): one
    /// dataflow per subtask, to run with `sluice_runtime::run_parallel`. `collect`, the
    /// writer of a bare SELECT's rows, goes to subtask 0, where its rows are gathered.
    pub fn build_parallel_dataflow(
        &self,
        job: &Job,
        mut collect: Option<Box<dyn SinkWriter>>,
    ) -> Result<ParallelDataflow, Diagnostic> {
        let (parallelism, warning) =
            self.config.job_parallelism().map_err(|e| Diagnostic::without_span(ErrorClass::User, e))?;
        let max_parallelism = self.config.max_parallelism().map_err(|e| Diagnostic::without_span(ErrorClass::User, e))?;
        let subtasks = (0..parallelism)
            .map(|subtask| self.build_dataflow_for(job, collect.take(), subtask, parallelism))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ParallelDataflow { subtasks, max_parallelism, warning })
    }

    /// The schema of a bare SELECT's result, for printing.
    pub fn result_schema(job: &Job) -> Option<&PlanSchema> {
        job.pipelines.iter().find(|(_, s)| matches!(s, JobSink::Collect)).map(|(p, _)| p.schema())
    }
}

/// A job lowered for its parallelism.
pub struct ParallelDataflow {
    /// One dataflow per subtask, node for node alike.
    pub subtasks: Vec<Dataflow>,
    /// `pipeline.max-parallelism`: the number of key groups of the exchanges.
    pub max_parallelism: usize,
    /// What to tell the user when the job runs with fewer instances than asked.
    pub warning: Option<String>,
}

/// A sink takes at most one rowtime attribute, as in Flink: the query must say which
/// column carries the event time by casting the others to plain timestamps.
fn check_single_rowtime(schema: &crate::logical::PlanSchema, table: &str, span: Span) -> PlanResult<()> {
    // Flink names repeated columns `ts`, `ts0`, `ts1`, ...
    let mut seen: Vec<String> = Vec::new();
    let mut rowtimes = Vec::new();
    for f in &schema.fields {
        let mut name = f.name.clone();
        let mut n = 0;
        while seen.contains(&name) {
            name = format!("{}{n}", f.name);
            n += 1;
        }
        seen.push(name.clone());
        if f.time_attribute == Some(crate::logical::TimeAttribute::Rowtime) {
            rowtimes.push(name);
        }
    }
    if rowtimes.len() <= 1 {
        return Ok(());
    }
    Err(user(
        format!(
            "the query contains more than one rowtime attribute column [{}] for writing into table \"{table}\"",
            rowtimes.join(", ")
        ),
        span,
    )
    .with_hint("Keep one as the event time and CAST the others to a plain TIMESTAMP(3) or TIMESTAMP_LTZ(3), e.g. CAST(b.ts AS TIMESTAMP_LTZ(3))."))
}

fn same_ignoring_nullability(a: &DataType, b: &DataType) -> bool {
    a.kind == b.kind && (b.nullable || !a.nullable)
}

fn describe_columns<'a>(cols: impl Iterator<Item = (&'a str, &'a DataType)>) -> String {
    cols.map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>().join(", ")
}

/// The span of the `index`-th select item of a simple SELECT, to point at a bad column.
fn select_item_span(query: &ast::Query, index: usize) -> Option<Span> {
    let ast::SetExpr::Select(select) = &query.body else { return None };
    match select.projection.get(index)? {
        ast::SelectItem::Expr { expr, .. } => Some(expr.span),
        _ => None,
    }
}
