use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use sluice_connector_api::TableSpec;
use sluice_expr::ScalarExpr;
use sluice_python::{PythonFunction, PythonSettings};
use sluice_sql::ast::{self, Ident};
use sluice_sql::Span;
use sluice_types::DataType;

/// A column of a `CREATE TABLE`, in declaration order.
#[derive(Clone, Debug)]
pub struct ColumnSpec {
    pub name: String,
    pub data_type: DataType,
    pub kind: TableColumnKind,
}

#[derive(Clone, Debug)]
pub enum TableColumnKind {
    Physical,
    /// `METADATA [FROM 'key'] [VIRTUAL]`.
    Metadata { key: String, is_virtual: bool },
    /// `name AS expr`, bound over the source row (physical then metadata columns).
    /// `text` is the expression as written, for `DESCRIBE`.
    Computed { expr: ScalarExpr, is_proctime: bool, text: String },
}

/// `WATERMARK FOR column AS expr`, the expression bound over the declared columns.
#[derive(Clone, Debug)]
pub struct WatermarkSpec {
    pub column: usize,
    pub expr: ScalarExpr,
    pub text: String,
}

/// A table registered by `CREATE TABLE`.
#[derive(Clone, Debug)]
pub struct CatalogTable {
    pub name: String,
    pub columns: Vec<ColumnSpec>,
    pub watermark: Option<WatermarkSpec>,
    pub primary_key: Vec<String>,
    /// `PARTITIONED BY (..)` column names, in the order written: the folder levels of a
    /// `filesystem` table.
    pub partition_keys: Vec<String>,
    pub options: BTreeMap<String, String>,
    pub connector: String,
    pub temporary: bool,
    /// The spans of the option values, for errors found when a job starts.
    pub option_spans: BTreeMap<String, Span>,
    pub span: Span,
    /// The `CREATE TABLE` as parsed, for what `SHOW CREATE TABLE` prints beyond the
    /// catalog (expressions, comments, constraint name, partition keys).
    pub definition: Arc<ast::CreateTable>,
}

/// Table options the planner handles for every connector.
pub const PLANNER_OPTIONS: &[&str] = &[IDLE_TIMEOUT_OPTION];

/// Flink's per-table source idleness: after this long without rows a source no longer
/// holds back the watermark. It overrides `table.exec.source.idle-timeout`.
pub const IDLE_TIMEOUT_OPTION: &str = "scan.watermark.idle-timeout";

impl CatalogTable {
    pub fn physical_columns(&self) -> impl Iterator<Item = &ColumnSpec> {
        self.columns.iter().filter(|c| matches!(c.kind, TableColumnKind::Physical))
    }

    /// What a connector sees of this table: options the planner reads itself (such as
    /// `scan.watermark.idle-timeout`, valid on any source) are left out.
    pub fn spec(&self) -> TableSpec {
        let mut options = self.options.clone();
        for key in PLANNER_OPTIONS {
            options.remove(*key);
        }
        TableSpec {
            name: self.name.clone(),
            physical_columns: self.physical_columns().map(|c| (c.name.clone(), c.data_type.clone())).collect(),
            options,
            primary_key: self.primary_key.clone(),
            partition_keys: self.partition_keys.clone(),
        }
    }

    /// The columns an `INSERT INTO` writes: physical columns and non-virtual metadata.
    pub fn sink_columns(&self) -> impl Iterator<Item = &ColumnSpec> {
        self.columns.iter().filter(|c| match &c.kind {
            TableColumnKind::Physical => true,
            TableColumnKind::Metadata { is_virtual, .. } => !is_virtual,
            TableColumnKind::Computed { .. } => false,
        })
    }
}

/// A view registered by `CREATE VIEW`: its query is bound afresh where it is used.
#[derive(Clone, Debug)]
pub struct CatalogView {
    pub name: String,
    pub columns: Vec<Ident>,
    pub query: ast::Query,
    pub temporary: bool,
}

/// What a user function runs.
#[derive(Clone, Debug)]
pub enum FunctionBody {
    /// `LANGUAGE PYTHON`: a function in a Python module, run by worker processes.
    Python(Arc<PythonFunction>),
    /// A Java class Sluice implements natively (`sluice_expr::JAVA_FUNCTIONS`), by name.
    Java(&'static str),
}

/// A function registered by `CREATE FUNCTION name AS 'module.function' LANGUAGE PYTHON`, or
/// `AS 'java.Class'` for a class Sluice runs natively.
#[derive(Clone, Debug)]
pub struct CatalogFunction {
    pub body: FunctionBody,
    pub temporary: bool,
    /// `TEMPORARY SYSTEM`: it shadows a built-in function of the same name.
    pub system: bool,
}

/// The tables, views and functions of a session. Table names are case-sensitive, as in
/// Flink; function names are not. A lookup that fails suggests the closest name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    tables: BTreeMap<String, Arc<CatalogTable>>,
    views: BTreeMap<String, Arc<CatalogView>>,
    /// By upper-case name.
    functions: BTreeMap<String, CatalogFunction>,
    /// The session's `python.*` settings, read by each Python function when it starts a
    /// worker (the session keeps them current on `SET`).
    pub python: Arc<RwLock<PythonSettings>>,
}

pub enum CatalogEntry {
    Table(Arc<CatalogTable>),
    View(Arc<CatalogView>),
}

impl Catalog {
    pub fn get(&self, name: &str) -> Option<CatalogEntry> {
        if let Some(t) = self.tables.get(name) {
            return Some(CatalogEntry::Table(t.clone()));
        }
        self.views.get(name).map(|v| CatalogEntry::View(v.clone()))
    }

    pub fn table(&self, name: &str) -> Option<&Arc<CatalogTable>> {
        self.tables.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.tables.contains_key(name) || self.views.contains_key(name)
    }

    pub fn add_table(&mut self, table: CatalogTable) {
        self.tables.insert(table.name.clone(), Arc::new(table));
    }

    pub fn add_view(&mut self, view: CatalogView) {
        self.views.insert(view.name.clone(), Arc::new(view));
    }

    pub fn drop_table(&mut self, name: &str) -> bool {
        self.tables.remove(name).is_some()
    }

    pub fn drop_view(&mut self, name: &str) -> bool {
        self.views.remove(name).is_some()
    }

    /// Table and view names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.tables.keys().chain(self.views.keys()).map(|s| s.as_str()).collect();
        names.sort();
        names
    }

    /// A user-defined function, by case-insensitive name.
    pub fn function(&self, name: &str) -> Option<&CatalogFunction> {
        self.functions.get(&name.to_ascii_uppercase())
    }

    /// Registers a Python function under `name`; its workers read `self.python`.
    pub fn add_function(&mut self, name: &str, target: &str, temporary: bool, system: bool) {
        let upper = name.to_ascii_uppercase();
        let python = PythonFunction::new(&upper, target, self.python.clone());
        self.functions.insert(upper, CatalogFunction { body: FunctionBody::Python(python), temporary, system });
    }

    /// Registers under `name` a Java function Sluice runs natively (one of
    /// `sluice_expr::JAVA_FUNCTIONS`).
    pub fn add_java_function(&mut self, name: &str, class: &'static str, temporary: bool, system: bool) {
        let upper = name.to_ascii_uppercase();
        self.functions.insert(upper, CatalogFunction { body: FunctionBody::Java(class), temporary, system });
    }

    pub fn drop_function(&mut self, name: &str) -> bool {
        self.functions.remove(&name.to_ascii_uppercase()).is_some()
    }

    /// User-defined function names (upper case), sorted.
    pub fn function_names(&self) -> Vec<&str> {
        self.functions.keys().map(|s| s.as_str()).collect()
    }

    pub fn view_names(&self) -> Vec<&str> {
        self.views.keys().map(|s| s.as_str()).collect()
    }
}
