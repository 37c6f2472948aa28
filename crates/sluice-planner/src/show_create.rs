//! `SHOW CREATE TABLE` and `SHOW CREATE VIEW`, in Flink's text.
//!
//! A table prints from its catalog entry and the `CREATE TABLE` it came from: names
//! back-quoted and qualified with Flink's default catalog and database, types in Flink's
//! serializable form, computed columns and the watermark as Flink prints expressions
//! (`sluice_sql::flink_sql`), the primary key under its constraint name (`PK_` and the
//! key columns joined by `_` when none was given), and the options sorted by key.
//! Unlike Flink, the value of an option whose key names a credential prints as
//! `'******'`.
//!
//! A view prints its query as Flink expands it: every column qualified by the alias of
//! the table it comes from, every table by catalog and database and given an alias, `*`
//! spelled out. `Qualifier` does that on a copy of the query's syntax tree, then the
//! printer lays it out.

use sluice_sql::ast::{self, Expr, ExprKind, FunctionArg, Ident, ObjectName, Query, SelectItem, SetExpr, TableRef};
use sluice_sql::flink_sql;
use sluice_sql::secrets::is_secret_key;
use sluice_sql::Span;

use crate::bind::Binder;
use crate::catalog::{Catalog, CatalogEntry, CatalogTable, CatalogView, TableColumnKind};
use crate::error::{not_supported, PlanResult};

/// Flink's catalog and database of every table and view of a session.
const CATALOG_PREFIX: &str = "`default_catalog`.`default_database`.";

/// What an option's value prints as when its key names a credential.
const MASKED: &str = "******";

/// The text of `SHOW CREATE TABLE`, ending with a newline as Flink's does.
pub(crate) fn show_create_table(t: &CatalogTable) -> String {
    let def = &t.definition;
    let mut lines: Vec<String> = Vec::new();
    for (c, spec) in def.columns.iter().zip(&t.columns) {
        let mut line = flink_sql::ident(&c.name.value);
        match (&c.kind, &spec.kind) {
            (ast::ColumnKind::Computed { expr }, _) => {
                line.push_str(" AS ");
                line.push_str(&flink_sql::expr(expr));
            }
            (ast::ColumnKind::Metadata { from, .. }, TableColumnKind::Metadata { is_virtual, .. }) => {
                line.push(' ');
                line.push_str(&spec.data_type.serializable_string());
                line.push_str(" METADATA");
                if let Some((key, _)) = from {
                    line.push_str(" FROM ");
                    line.push_str(&flink_sql::string_literal(key));
                }
                if *is_virtual {
                    line.push_str(" VIRTUAL");
                }
            }
            _ => {
                line.push(' ');
                line.push_str(&spec.data_type.serializable_string());
            }
        }
        if let Some(comment) = &c.comment {
            line.push_str(" COMMENT ");
            line.push_str(&flink_sql::string_literal(comment));
        }
        lines.push(line);
    }
    if let Some(w) = &def.watermark {
        lines.push(format!("WATERMARK FOR {} AS {}", flink_sql::ident(&w.column.value), flink_sql::expr(&w.expr)));
    }
    if let Some(pk) = &def.primary_key {
        let name = match &pk.name {
            Some(n) => n.value.clone(),
            None => format!("PK_{}", t.primary_key.join("_")),
        };
        let columns: Vec<String> = t.primary_key.iter().map(|c| flink_sql::ident(c)).collect();
        lines.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({}) NOT ENFORCED",
            flink_sql::ident(&name),
            columns.join(", ")
        ));
    }
    let mut out = format!(
        "CREATE {}TABLE {CATALOG_PREFIX}{} (\n",
        if t.temporary { "TEMPORARY " } else { "" },
        flink_sql::ident(&t.name)
    );
    out.push_str(&indented(&lines));
    out.push_str(")\n");
    if let Some(comment) = &def.comment {
        out.push_str(&format!("COMMENT {}\n", flink_sql::string_literal(comment)));
    }
    if !def.partitioned_by.is_empty() {
        let keys: Vec<String> = def.partitioned_by.iter().map(|k| flink_sql::ident(&k.value)).collect();
        out.push_str(&format!("PARTITIONED BY ({})\n", keys.join(", ")));
    }
    let options: Vec<String> = t
        .options
        .iter()
        .map(|(k, v)| {
            let value = if is_secret_key(k) { MASKED } else { v.as_str() };
            format!("{} = {}", flink_sql::string_literal(k), flink_sql::string_literal(value))
        })
        .collect();
    out.push_str("WITH (\n");
    out.push_str(&indented(&options));
    out.push_str(")\n");
    out
}

/// `lines` two spaces in, separated by commas, each on its own line.
fn indented(lines: &[String]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str("  ");
        out.push_str(line);
        out.push_str(if i + 1 < lines.len() { ",\n" } else { "\n" });
    }
    out
}

/// The text of `SHOW CREATE VIEW`, ending with a newline as Flink's does.
pub(crate) fn show_create_view(v: &CatalogView, catalog: &Catalog) -> PlanResult<String> {
    let columns: Vec<String> = view_columns(v, catalog)?.iter().map(|c| flink_sql::ident(c)).collect();
    let mut qualifier = Qualifier { catalog, ctes: Vec::new(), scopes: Vec::new(), anonymous: 0 };
    let (query, _) = qualifier.query(&v.query)?;
    Ok(format!(
        "CREATE {}VIEW {CATALOG_PREFIX}{} (\n{})\nAS {}\n",
        if v.temporary { "TEMPORARY " } else { "" },
        flink_sql::ident(&v.name),
        indented(&columns),
        flink_sql::query(&query)
    ))
}

/// A view's column names: those it declares, else those of its query.
fn view_columns(v: &CatalogView, catalog: &Catalog) -> PlanResult<Vec<String>> {
    let plan = Binder::new(catalog).bind_query(&v.query)?;
    Ok(plan
        .schema()
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| v.columns.get(i).map(|c| c.value.clone()).unwrap_or_else(|| f.name.clone()))
        .collect())
}

/// An item of a FROM clause as the expanded query sees it: its alias and its columns.
struct Source {
    alias: String,
    columns: Vec<String>,
}

/// Rewrites a view's query as Flink's validator expands it before printing.
struct Qualifier<'a> {
    catalog: &'a Catalog,
    /// The common table expressions in scope, innermost last.
    ctes: Vec<(String, Vec<String>)>,
    /// The FROM items of the enclosing SELECTs, innermost last.
    scopes: Vec<Vec<Source>>,
    /// Calcite's `EXPR$n` aliases given to FROM items without one.
    anonymous: usize,
}

fn quoted(name: &str, span: Span) -> Ident {
    Ident { value: name.to_string(), quoted: true, span }
}

/// The name of the column an unaliased select item makes: a column keeps its name, any
/// other expression is `EXPR$i` after its position.
fn item_name(e: &Expr, position: usize) -> String {
    match &e.kind {
        ExprKind::Identifier(i) => i.value.clone(),
        ExprKind::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()).unwrap_or_default(),
        ExprKind::Nested(inner) => item_name(inner, position),
        _ => format!("EXPR${position}"),
    }
}

impl Qualifier<'_> {
    fn query(&mut self, q: &Query) -> PlanResult<(Query, Vec<String>)> {
        let depth = self.ctes.len();
        let mut with = Vec::with_capacity(q.with.len());
        for cte in &q.with {
            let (query, mut names) = self.query(&cte.query)?;
            for (i, c) in cte.columns.iter().enumerate() {
                if let Some(n) = names.get_mut(i) {
                    *n = c.value.clone();
                }
            }
            self.ctes.push((cte.name.value.clone(), names));
            with.push(ast::Cte { name: cte.name.clone(), columns: cte.columns.clone(), query: Box::new(query), span: cte.span });
        }
        let result = self.query_body(q, with);
        self.ctes.truncate(depth);
        result
    }

    fn query_body(&mut self, q: &Query, with: Vec<ast::Cte>) -> PlanResult<(Query, Vec<String>)> {
        if !q.order_by.is_empty() || q.limit.is_some() || q.offset.is_some() {
            return Err(not_supported("SHOW CREATE VIEW of a view with ORDER BY, LIMIT or OFFSET", q.span));
        }
        let (body, names) = self.set_expr(&q.body)?;
        Ok((Query { with, body, order_by: Vec::new(), limit: None, offset: None, span: q.span }, names))
    }

    fn set_expr(&mut self, body: &SetExpr) -> PlanResult<(SetExpr, Vec<String>)> {
        match body {
            SetExpr::Select(s) => {
                let (select, names) = self.select(s)?;
                Ok((SetExpr::Select(Box::new(select)), names))
            }
            SetExpr::Query(q) => {
                let (q, names) = self.query(q)?;
                Ok((SetExpr::Query(Box::new(q)), names))
            }
            SetExpr::SetOperation { op, all, left, right, span } => {
                let (l, names) = self.set_expr(left)?;
                let (r, _) = self.set_expr(right)?;
                Ok((SetExpr::SetOperation { op: *op, all: *all, left: Box::new(l), right: Box::new(r), span: *span }, names))
            }
            SetExpr::Values { span, .. } => Err(not_supported("SHOW CREATE VIEW of a view over VALUES", *span)),
        }
    }

    fn select(&mut self, s: &ast::Select) -> PlanResult<(ast::Select, Vec<String>)> {
        if let Some(h) = s.hints.first() {
            return Err(not_supported("SHOW CREATE VIEW of a view with hints", h.span));
        }
        if let Some(w) = s.windows.first() {
            return Err(not_supported("SHOW CREATE VIEW of a view with a WINDOW clause", w.span));
        }
        let (from, sources) = match &s.from {
            Some(t) => {
                let (t, sources) = self.table_ref(t)?;
                (Some(t), sources)
            }
            None => (None, Vec::new()),
        };
        self.scopes.push(sources);
        let result = self.select_in_scope(s, from);
        self.scopes.pop();
        result
    }

    fn select_in_scope(&mut self, s: &ast::Select, from: Option<TableRef>) -> PlanResult<(ast::Select, Vec<String>)> {
        let mut projection = Vec::new();
        let mut names = Vec::new();
        for item in &s.projection {
            match item {
                SelectItem::Wildcard(span) => {
                    let scope = self.scopes.last().map(|s| s.as_slice()).unwrap_or(&[]);
                    for source in scope {
                        for c in &source.columns {
                            names.push(c.clone());
                            projection.push(column_item(&source.alias, c, *span));
                        }
                    }
                }
                SelectItem::QualifiedWildcard(name, span) => {
                    let alias = &name.base().value;
                    let scope = self.scopes.last().map(|s| s.as_slice()).unwrap_or(&[]);
                    if let Some(source) = scope.iter().find(|s| &s.alias == alias) {
                        for c in &source.columns {
                            names.push(c.clone());
                            projection.push(column_item(&source.alias, c, *span));
                        }
                    }
                }
                SelectItem::Expr { expr, alias } => {
                    let position = names.len();
                    names.push(alias.as_ref().map(|a| a.value.clone()).unwrap_or_else(|| item_name(expr, position)));
                    let mut expr = expr.clone();
                    self.fix(&mut expr)?;
                    projection.push(SelectItem::Expr { expr, alias: alias.clone() });
                }
            }
        }
        let mut selection = s.selection.clone();
        if let Some(e) = &mut selection {
            self.fix(e)?;
        }
        let mut group_by = s.group_by.clone();
        for item in &mut group_by {
            match item {
                ast::GroupByItem::Expr(e) => self.fix(e)?,
                ast::GroupByItem::GroupingSets(sets, _) => {
                    for e in sets.iter_mut().flatten() {
                        self.fix(e)?;
                    }
                }
                ast::GroupByItem::Rollup(items, _) | ast::GroupByItem::Cube(items, _) => {
                    for e in items {
                        self.fix(e)?;
                    }
                }
            }
        }
        let mut having = s.having.clone();
        if let Some(e) = &mut having {
            self.fix(e)?;
        }
        let select = ast::Select {
            hints: Vec::new(),
            distinct: s.distinct,
            projection,
            from,
            selection,
            group_by,
            having,
            windows: Vec::new(),
            span: s.span,
        };
        Ok((select, names))
    }

    fn next_anonymous(&mut self) -> String {
        let name = format!("EXPR${}", self.anonymous);
        self.anonymous += 1;
        name
    }

    fn table_ref(&mut self, t: &TableRef) -> PlanResult<(TableRef, Vec<Source>)> {
        match t {
            TableRef::Named { name, hints, system_time, alias, span } => {
                if !hints.is_empty() || system_time.is_some() {
                    return Err(not_supported("SHOW CREATE VIEW of a view with table hints or FOR SYSTEM_TIME AS OF", *span));
                }
                let base = &name.base().value;
                let cte = if name.parts.len() == 1 { self.ctes.iter().rev().find(|(n, _)| n == base) } else { None };
                let (printed, mut columns) = match cte {
                    Some((n, cols)) => (ObjectName { parts: vec![quoted(n, *span)] }, cols.clone()),
                    None => {
                        let columns = match self.catalog.get(base) {
                            Some(CatalogEntry::Table(t)) => t.columns.iter().map(|c| c.name.clone()).collect(),
                            Some(CatalogEntry::View(v)) => view_columns(&v, self.catalog)?,
                            None => Vec::new(),
                        };
                        let parts = ["default_catalog", "default_database", base.as_str()];
                        (ObjectName { parts: parts.iter().map(|p| quoted(p, *span)).collect() }, columns)
                    }
                };
                let alias_name = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| base.clone());
                if let Some(a) = alias {
                    for (i, c) in a.columns.iter().enumerate() {
                        if let Some(col) = columns.get_mut(i) {
                            *col = c.value.clone();
                        }
                    }
                }
                let table = TableRef::Named {
                    name: printed,
                    hints: Vec::new(),
                    system_time: None,
                    alias: Some(ast::TableAlias {
                        name: quoted(&alias_name, *span),
                        columns: alias.as_ref().map(|a| a.columns.clone()).unwrap_or_default(),
                    }),
                    span: *span,
                };
                Ok((table, vec![Source { alias: alias_name, columns }]))
            }
            TableRef::Derived { lateral, subquery, alias, span } => {
                if *lateral {
                    return Err(not_supported("SHOW CREATE VIEW of a view with LATERAL", *span));
                }
                let (query, mut columns) = self.query(subquery)?;
                let alias_name = match alias {
                    Some(a) => a.name.value.clone(),
                    None => self.next_anonymous(),
                };
                if let Some(a) = alias {
                    for (i, c) in a.columns.iter().enumerate() {
                        if let Some(col) = columns.get_mut(i) {
                            *col = c.value.clone();
                        }
                    }
                }
                let table = TableRef::Derived {
                    lateral: false,
                    subquery: Box::new(query),
                    alias: Some(ast::TableAlias {
                        name: quoted(&alias_name, *span),
                        columns: alias.as_ref().map(|a| a.columns.clone()).unwrap_or_default(),
                    }),
                    span: *span,
                };
                Ok((table, vec![Source { alias: alias_name, columns }]))
            }
            TableRef::Function { lateral, name, args, alias, span } => {
                let fname = name.base().value.to_ascii_uppercase();
                if *lateral || !["TUMBLE", "HOP", "CUMULATE"].contains(&fname.as_str()) {
                    return Err(not_supported("SHOW CREATE VIEW of a view over this table function", *span));
                }
                self.window_tvf(name, args, alias, *span)
            }
            TableRef::Join(j) => {
                let (left, mut sources) = self.table_ref(&j.left)?;
                let (right, right_sources) = self.table_ref(&j.right)?;
                sources.extend(right_sources);
                let constraint = match &j.constraint {
                    ast::JoinConstraint::On(cond) => {
                        let mut cond = cond.clone();
                        self.scopes.push(sources);
                        let fixed = self.fix(&mut cond);
                        sources = self.scopes.pop().unwrap_or_default();
                        fixed?;
                        ast::JoinConstraint::On(cond)
                    }
                    ast::JoinConstraint::Using(_) => {
                        return Err(not_supported("SHOW CREATE VIEW of a view with JOIN ... USING", j.span))
                    }
                    ast::JoinConstraint::None => ast::JoinConstraint::None,
                };
                let join = ast::Join { left, right, kind: j.kind, constraint, span: j.span };
                Ok((TableRef::Join(Box::new(join)), sources))
            }
            TableRef::Unnest { span, .. } => Err(not_supported("SHOW CREATE VIEW of a view with UNNEST", *span)),
            TableRef::MatchRecognize { span, .. } => {
                Err(not_supported("SHOW CREATE VIEW of a view with MATCH_RECOGNIZE", *span))
            }
        }
    }

    /// `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ..))`: Flink prints the table argument as a
    /// query of all its columns.
    fn window_tvf(
        &mut self,
        name: &ObjectName,
        args: &[FunctionArg],
        alias: &Option<ast::TableAlias>,
        span: Span,
    ) -> PlanResult<(TableRef, Vec<Source>)> {
        let mut printed_args = Vec::with_capacity(args.len());
        let mut columns = Vec::new();
        for arg in args {
            match arg {
                FunctionArg::Table { name, partition_by, span } => {
                    if !partition_by.is_empty() {
                        return Err(not_supported("SHOW CREATE VIEW of a window with PARTITION BY", *span));
                    }
                    let inner = Query {
                        with: Vec::new(),
                        body: SetExpr::Select(Box::new(ast::Select {
                            hints: Vec::new(),
                            distinct: false,
                            projection: vec![SelectItem::Wildcard(*span)],
                            from: Some(TableRef::Named {
                                name: name.clone(),
                                hints: Vec::new(),
                                system_time: None,
                                alias: None,
                                span: *span,
                            }),
                            selection: None,
                            group_by: Vec::new(),
                            having: None,
                            windows: Vec::new(),
                            span: *span,
                        })),
                        order_by: Vec::new(),
                        limit: None,
                        offset: None,
                        span: *span,
                    };
                    let (query, names) = self.query(&inner)?;
                    columns = names;
                    printed_args.push(FunctionArg::Expr(Expr { kind: ExprKind::ScalarSubquery(Box::new(query)), span: *span }));
                }
                FunctionArg::Descriptor { columns, span } => printed_args.push(FunctionArg::Descriptor {
                    columns: columns.iter().map(|c| quoted(&c.value, c.span)).collect(),
                    span: *span,
                }),
                FunctionArg::Expr(e) => {
                    let mut e = e.clone();
                    self.fix(&mut e)?;
                    printed_args.push(FunctionArg::Expr(e));
                }
                FunctionArg::Named { span, .. } => {
                    return Err(not_supported("SHOW CREATE VIEW of a window with named arguments", *span))
                }
            }
        }
        columns.extend(["window_start", "window_end", "window_time"].map(String::from));
        let alias_name = match alias {
            Some(a) => a.name.value.clone(),
            None => self.next_anonymous(),
        };
        let table = TableRef::Function {
            lateral: false,
            name: ObjectName { parts: vec![Ident { value: name.base().value.to_ascii_uppercase(), quoted: false, span }] },
            args: printed_args,
            alias: Some(ast::TableAlias { name: quoted(&alias_name, span), columns: Vec::new() }),
            span,
        };
        Ok((table, vec![Source { alias: alias_name, columns }]))
    }

    /// The alias of the innermost FROM item with a column `name`.
    fn resolve(&self, name: &str) -> Option<String> {
        self.scopes
            .iter()
            .rev()
            .find_map(|scope| scope.iter().find(|s| s.columns.iter().any(|c| c == name)).map(|s| s.alias.clone()))
    }

    fn is_alias(&self, name: &str) -> bool {
        self.scopes.iter().any(|scope| scope.iter().any(|s| s.alias == name))
    }

    /// Qualifies the column names in `e`, and expands the queries inside it.
    fn fix(&mut self, e: &mut Expr) -> PlanResult<()> {
        let span = e.span;
        if let ExprKind::Identifier(i) = &e.kind {
            if let Some(alias) = self.resolve(&i.value) {
                let column = i.clone();
                e.kind = ExprKind::CompoundIdentifier(vec![quoted(&alias, span), column]);
            }
            return Ok(());
        }
        match &mut e.kind {
            ExprKind::Identifier(_) => {}
            ExprKind::CompoundIdentifier(parts) => {
                // `r.f` where `r` is a column, not a table: the field of a ROW column.
                if let Some(first) = parts.first() {
                    if !self.is_alias(&first.value) {
                        if let Some(alias) = self.resolve(&first.value) {
                            parts.insert(0, quoted(&alias, span));
                        }
                    }
                }
            }
            ExprKind::Literal(_) | ExprKind::Interval { .. } | ExprKind::TimeUnit(_) => {}
            ExprKind::Unary { expr, .. }
            | ExprKind::IsNull { expr, .. }
            | ExprKind::IsBool { expr, .. }
            | ExprKind::IsJson { expr, .. }
            | ExprKind::Cast { expr, .. }
            | ExprKind::Extract { expr, .. }
            | ExprKind::FloorCeil { expr, .. }
            | ExprKind::Field { expr, .. }
            | ExprKind::Nested(expr) => self.fix(expr)?,
            ExprKind::Binary { left, right, .. } | ExprKind::IsDistinctFrom { left, right, .. } => {
                self.fix(left)?;
                self.fix(right)?;
            }
            ExprKind::Between { expr, low, high, .. } => {
                self.fix(expr)?;
                self.fix(low)?;
                self.fix(high)?;
            }
            ExprKind::InList { expr, list, .. } => {
                self.fix(expr)?;
                for item in list {
                    self.fix(item)?;
                }
            }
            ExprKind::InSubquery { expr, query, .. } => {
                self.fix(expr)?;
                **query = self.query(query)?.0;
            }
            ExprKind::Exists { query, .. } | ExprKind::ScalarSubquery(query) => {
                **query = self.query(query)?.0;
            }
            ExprKind::Like { expr, pattern, escape, .. } => {
                self.fix(expr)?;
                self.fix(pattern)?;
                if let Some(esc) = escape {
                    self.fix(esc)?;
                }
            }
            ExprKind::Case { operand, branches, else_result } => {
                if let Some(op) = operand {
                    self.fix(op)?;
                }
                for (when, then) in branches {
                    self.fix(when)?;
                    self.fix(then)?;
                }
                if let Some(other) = else_result {
                    self.fix(other)?;
                }
            }
            ExprKind::Function(call) => {
                for arg in &mut call.args {
                    self.fix(arg)?;
                }
                if let Some(filter) = &mut call.filter {
                    self.fix(filter)?;
                }
                match &mut call.over {
                    Some(ast::Over::Spec(spec)) => {
                        for p in &mut spec.partition_by {
                            self.fix(p)?;
                        }
                        for o in &mut spec.order_by {
                            self.fix(&mut o.expr)?;
                        }
                    }
                    Some(ast::Over::Named(w)) => {
                        return Err(not_supported("SHOW CREATE VIEW of a view with a named window", w.span))
                    }
                    None => {}
                }
            }
            ExprKind::Trim { chars, expr, .. } => {
                if let Some(c) = chars {
                    self.fix(c)?;
                }
                self.fix(expr)?;
            }
            ExprKind::Position { needle, haystack } => {
                self.fix(needle)?;
                self.fix(haystack)?;
            }
            ExprKind::Substring { expr, from, length } => {
                self.fix(expr)?;
                self.fix(from)?;
                if let Some(l) = length {
                    self.fix(l)?;
                }
            }
            ExprKind::Overlay { expr, placing, from, length } => {
                self.fix(expr)?;
                self.fix(placing)?;
                self.fix(from)?;
                if let Some(l) = length {
                    self.fix(l)?;
                }
            }
            ExprKind::Index { expr, index } => {
                self.fix(expr)?;
                self.fix(index)?;
            }
            ExprKind::Row(items) | ExprKind::Array(items) | ExprKind::Map(items) => {
                for item in items {
                    self.fix(item)?;
                }
            }
            ExprKind::Overlaps { left, right } => {
                self.fix(&mut left.0)?;
                self.fix(&mut left.1)?;
                self.fix(&mut right.0)?;
                self.fix(&mut right.1)?;
            }
            ExprKind::Json(call) => {
                for arg in &mut call.args {
                    self.fix(arg)?;
                }
            }
        }
        Ok(())
    }
}

/// `alias.column` as a select item.
fn column_item(alias: &str, column: &str, span: Span) -> SelectItem {
    SelectItem::Expr {
        expr: Expr { kind: ExprKind::CompoundIdentifier(vec![quoted(alias, span), quoted(column, span)]), span },
        alias: None,
    }
}
