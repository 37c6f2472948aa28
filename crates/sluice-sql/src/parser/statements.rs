//! Statements: `SET`/`RESET`, `CREATE TABLE|VIEW|FUNCTION`, `DROP`, `SHOW`, `DESCRIBE`,
//! `USE`, `INSERT`, statement sets, `EXPLAIN` and bare queries.

use super::{PResult, Parser};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::span::Span;

/// The details `EXPLAIN` accepts before the statement.
const EXPLAIN_DETAILS: &[&str] = &["ESTIMATED_COST", "CHANGELOG_MODE", "JSON_EXECUTION_PLAN", "PLAN_ADVICE"];

impl Parser<'_> {
    /// A whole script: statements separated by `;`.
    pub(crate) fn script(&mut self) -> PResult<Vec<Statement>> {
        let mut out = Vec::new();
        loop {
            while self.eat(&TokenKind::Semicolon) {}
            if self.at_eof() {
                return Ok(out);
            }
            out.push(self.statement()?);
            if !self.at_eof() && !self.is(&TokenKind::Semicolon) {
                return Err(self.expected("\";\" or end of input"));
            }
        }
    }

    pub(crate) fn statement(&mut self) -> PResult<Statement> {
        let start = self.span();
        let first = match self.peek_kind() {
            TokenKind::Word { value, quoted: false } => value.to_ascii_uppercase(),
            TokenKind::LParen if self.at_query_start() => return Ok(Statement::Query(Box::new(self.query()?))),
            _ => return Err(self.statement_expected()),
        };
        match first.as_str() {
            "SELECT" | "WITH" | "VALUES" => Ok(Statement::Query(Box::new(self.query()?))),
            "SET" => self.set_statement(),
            "RESET" => {
                self.pos += 1;
                let key = self.opt_string_or_words()?;
                Ok(Statement::Reset { key, span: self.span_from(start) })
            }
            "CREATE" => self.create(),
            "REGISTER" if self.is_kw_at(1, "FUNCTION") => {
                self.pos += 2;
                self.create_function(start, false, false)
            }
            "DROP" => self.drop_statement(),
            "SHOW" => self.show(),
            "DESCRIBE" | "DESC" => {
                self.pos += 1;
                self.eat_kw("EXTENDED");
                let name = self.object_name()?;
                Ok(Statement::Describe { name, span: self.span_from(start) })
            }
            "USE" => {
                self.pos += 1;
                let catalog = self.eat_kw("CATALOG");
                let name = self.object_name()?;
                Ok(Statement::Use { catalog, name, span: self.span_from(start) })
            }
            "INSERT" => Ok(Statement::Insert(Box::new(self.insert()?))),
            "EXECUTE" => {
                if self.is_kw_at(1, "INSERT") {
                    self.pos += 1;
                    let mut insert = self.insert()?;
                    insert.span = self.span_from(start);
                    return Ok(Statement::Insert(Box::new(insert)));
                }
                self.expect_kws(&["EXECUTE", "STATEMENT", "SET", "BEGIN"])?;
                self.statement_set_body(start)
            }
            "BEGIN" => {
                self.expect_kws(&["BEGIN", "STATEMENT", "SET"])?;
                self.eat(&TokenKind::Semicolon);
                self.statement_set_body(start)
            }
            "EXPLAIN" => self.explain(),
            "ADD" | "REMOVE" if self.is_kw_at(1, "JAR") => {
                Err(Diagnostic::user(format!("\"{first} JAR\" is not supported"), self.span())
                    .with_hint("Sluice runs without a JVM: its connectors, formats and functions are built in, and Python functions are declared with LANGUAGE PYTHON."))
            }
            "LOAD" | "UNLOAD" if self.is_kw_at(1, "MODULE") => {
                Err(Diagnostic::user(format!("\"{first} MODULE\" is not supported"), self.span())
                    .with_hint("Sluice has Flink's core functions built in; Hive's module does not exist here."))
            }
            "ALTER" => Err(Diagnostic::user("\"ALTER\" is not supported yet", self.span())
                .with_hint("Drop the table or view and create it again with the new definition.")),
            _ => Err(self.statement_expected()),
        }
    }

    fn statement_expected(&self) -> Diagnostic {
        self.expected("a statement").with_hint(
            "Statements start with SELECT, INSERT, CREATE, DROP, SET, RESET, SHOW, DESCRIBE, USE, EXPLAIN or EXECUTE STATEMENT SET.",
        )
    }

    fn set_statement(&mut self) -> PResult<Statement> {
        let start = self.expect_kw("SET")?;
        let Some(key) = self.opt_string_or_words()? else {
            return Ok(Statement::Set { key: None, value: None, span: self.span_from(start) });
        };
        self.expect(&TokenKind::Eq).map_err(|d| d.with_hint("Write a setting as SET 'key' = 'value'."))?;
        let tok = self.peek().clone();
        let value = match &tok.kind {
            TokenKind::String(s) => s.clone(),
            TokenKind::Number(_) | TokenKind::Word { .. } => self.text(tok.span).to_string(),
            _ => return Err(self.expected("a value").with_hint("Write a setting as SET 'key' = 'value'.")),
        };
        self.pos += 1;
        Ok(Statement::Set { key: Some(key), value: Some((value, tok.span)), span: self.span_from(start) })
    }

    /// `'key'` or `table.exec.mini-batch.enabled` written without quotes.
    fn opt_string_or_words(&mut self) -> PResult<Option<(String, Span)>> {
        if let TokenKind::String(_) = self.peek_kind() {
            return Ok(Some(self.string_literal()?));
        }
        if !matches!(self.peek_kind(), TokenKind::Word { .. }) {
            return Ok(None);
        }
        let start = self.span();
        while matches!(self.peek_kind(), TokenKind::Word { .. } | TokenKind::Dot | TokenKind::Minus | TokenKind::Number(_)) {
            self.pos += 1;
        }
        let span = self.span_from(start);
        Ok(Some((self.text(span).to_string(), span)))
    }

    fn create(&mut self) -> PResult<Statement> {
        let start = self.expect_kw("CREATE")?;
        if self.is_kw("OR") {
            return Err(Diagnostic::user("\"CREATE OR REPLACE\" is not supported", self.span())
                .with_hint("Drop the object first, then create it."));
        }
        let temporary = self.eat_kw("TEMPORARY");
        let system = self.eat_kw("SYSTEM");
        if self.eat_kw("TABLE") {
            return Ok(Statement::CreateTable(Box::new(self.create_table(start, temporary)?)));
        }
        if self.eat_kw("VIEW") {
            let if_not_exists = self.eat_kws(&["IF", "NOT", "EXISTS"]);
            let name = self.object_name()?;
            let columns = if self.is(&TokenKind::LParen) { self.paren_ident_list()? } else { Vec::new() };
            if self.eat_kw("COMMENT") {
                self.string_literal()?;
            }
            self.expect_kw("AS")?;
            let query = self.query()?;
            return Ok(Statement::CreateView(Box::new(CreateView {
                name,
                temporary,
                if_not_exists,
                columns,
                query: Box::new(query),
                span: self.span_from(start),
            })));
        }
        if self.eat_kw("FUNCTION") {
            return self.create_function(start, temporary, system);
        }
        if self.is_kw("CATALOG") || self.is_kw("DATABASE") {
            return Err(Diagnostic::user(format!("\"CREATE {}\" is not supported", self.text(self.span()).to_uppercase()), self.span())
                .with_hint("Sluice keeps tables, views and functions in one built-in catalog."));
        }
        Err(self.expected("\"TABLE\", \"VIEW\" or \"FUNCTION\""))
    }

    /// The rest of `CREATE [TEMPORARY] [SYSTEM] FUNCTION` after `FUNCTION` (also the
    /// `REGISTER FUNCTION` spelling of the Netcool seed).
    fn create_function(&mut self, start: Span, temporary: bool, system: bool) -> PResult<Statement> {
        let if_not_exists = self.eat_kws(&["IF", "NOT", "EXISTS"]);
        let name = self.object_name()?;
        self.expect_kw("AS")?;
        let class_name = self.string_literal()?;
        let language = if self.eat_kw("LANGUAGE") { Some(self.any_word_ident()?) } else { None };
        if self.is_kw("USING") {
            return Err(Diagnostic::user("\"USING JAR\" is not supported", self.span())
                .with_hint("Sluice runs without a JVM; Python functions are declared with LANGUAGE PYTHON."));
        }
        Ok(Statement::CreateFunction(Box::new(CreateFunction {
            name,
            temporary,
            system,
            if_not_exists,
            class_name,
            language,
            span: self.span_from(start),
        })))
    }

    fn create_table(&mut self, start: Span, temporary: bool) -> PResult<CreateTable> {
        let if_not_exists = self.eat_kws(&["IF", "NOT", "EXISTS"]);
        let name = self.object_name()?;
        let mut table = CreateTable {
            name,
            temporary,
            if_not_exists,
            columns: Vec::new(),
            watermark: None,
            primary_key: None,
            comment: None,
            partitioned_by: Vec::new(),
            options: Vec::new(),
            as_query: None,
            like: None,
            like_options: Vec::new(),
            span: start,
        };
        if self.eat(&TokenKind::LParen) {
            loop {
                self.table_element(&mut table)?;
                if self.eat(&TokenKind::Comma) {
                    continue;
                }
                if self.is(&TokenKind::RParen) {
                    break;
                }
                let mut d = self.expected("\",\" or \")\"");
                if matches!(self.peek_kind(), TokenKind::Word { .. }) {
                    d = d.with_hint("Separate the columns of a table with commas.");
                }
                return Err(d);
            }
            self.expect(&TokenKind::RParen)?;
        }
        if self.eat_kw("COMMENT") {
            table.comment = Some(self.string_literal()?.0);
        }
        if self.eat_kws(&["PARTITIONED", "BY"]) {
            table.partitioned_by = self.paren_ident_list()?;
        }
        if self.eat_kw("WITH") {
            table.options = self.table_options()?;
        }
        if self.eat_kw("LIKE") {
            table.like = Some(self.object_name()?);
            if self.eat(&TokenKind::LParen) {
                loop {
                    let start = self.span();
                    let strategy = if self.eat_kw("INCLUDING") {
                        LikeStrategy::Including
                    } else if self.eat_kw("EXCLUDING") {
                        LikeStrategy::Excluding
                    } else if self.eat_kw("OVERWRITING") {
                        LikeStrategy::Overwriting
                    } else {
                        return Err(self.expected("INCLUDING, EXCLUDING or OVERWRITING"));
                    };
                    let feature = [
                        ("ALL", LikeFeature::All),
                        ("CONSTRAINTS", LikeFeature::Constraints),
                        ("GENERATED", LikeFeature::Generated),
                        ("METADATA", LikeFeature::Metadata),
                        ("OPTIONS", LikeFeature::Options),
                        ("PARTITIONS", LikeFeature::Partitions),
                        ("WATERMARKS", LikeFeature::Watermarks),
                    ]
                    .into_iter()
                    .find(|(kw, _)| self.eat_kw(kw))
                    .map(|(_, f)| f)
                    .ok_or_else(|| self.expected("ALL, CONSTRAINTS, GENERATED, METADATA, OPTIONS, PARTITIONS or WATERMARKS"))?;
                    table.like_options.push(LikeOption { strategy, feature, span: self.span_from(start) });
                    if self.eat(&TokenKind::RParen) {
                        break;
                    }
                }
            }
        }
        if self.eat_kw("AS") {
            table.as_query = Some(Box::new(self.query()?));
        }
        table.span = self.span_from(start);
        Ok(table)
    }

    /// A column, `WATERMARK FOR ..` or `[CONSTRAINT n] PRIMARY KEY (..) NOT ENFORCED`.
    fn table_element(&mut self, table: &mut CreateTable) -> PResult<()> {
        let start = self.span();
        if self.is_kw("WATERMARK") && (self.is_kw_at(1, "FOR") || self.is_kw_at(2, "AS")) {
            self.pos += 1;
            let hint = "`WATERMARK` must name a column: `WATERMARK FOR ts AS ts - INTERVAL '5' SECOND`.";
            self.expect_kw("FOR").map_err(|d| d.with_hint(hint))?;
            let column = self.ident().map_err(|d| d.with_hint(hint))?;
            self.expect_kw("AS").map_err(|d| d.with_hint(hint))?;
            let expr = self.expr()?;
            if table.watermark.is_some() {
                return Err(Diagnostic::user("a table can have only one watermark", self.span_from(start)));
            }
            table.watermark = Some(WatermarkDef { column, expr, span: self.span_from(start) });
            return Ok(());
        }
        let constraint = if self.eat_kw("CONSTRAINT") { Some(self.ident()?) } else { None };
        if self.eat_kws(&["PRIMARY", "KEY"]) {
            let columns = self.paren_ident_list()?;
            self.not_enforced()?;
            return self.set_primary_key(table, PrimaryKey { name: constraint, columns, span: self.span_from(start) });
        }
        let name = self.ident()?;
        let kind = if self.eat_kw("AS") {
            ColumnKind::Computed { expr: self.expr()? }
        } else {
            let (data_type, type_span) = self.data_type()?;
            if self.eat_kw("METADATA") {
                let from = if self.eat_kw("FROM") { Some(self.string_literal()?) } else { None };
                let is_virtual = self.eat_kw("VIRTUAL");
                ColumnKind::Metadata { data_type, type_span, from, is_virtual }
            } else {
                ColumnKind::Physical { data_type, type_span }
            }
        };
        let key_start = self.span();
        let constraint = if self.eat_kw("CONSTRAINT") { Some(self.ident()?) } else { None };
        if self.eat_kws(&["PRIMARY", "KEY"]) {
            self.not_enforced()?;
            let key = PrimaryKey { name: constraint, columns: vec![name.clone()], span: self.span_from(key_start) };
            self.set_primary_key(table, key)?;
        }
        let comment = if self.eat_kw("COMMENT") { Some(self.string_literal()?.0) } else { None };
        table.columns.push(ColumnDef { name, kind, comment, span: self.span_from(start) });
        Ok(())
    }

    fn not_enforced(&mut self) -> PResult<()> {
        if self.eat_kws(&["NOT", "ENFORCED"]) {
            return Ok(());
        }
        Err(self.expected("\"NOT ENFORCED\"").with_hint(
            "Flink does not own the data of a table, so a primary key must be declared NOT ENFORCED: PRIMARY KEY (id) NOT ENFORCED.",
        ))
    }

    fn set_primary_key(&mut self, table: &mut CreateTable, key: PrimaryKey) -> PResult<()> {
        if table.primary_key.is_some() {
            return Err(Diagnostic::user("a table can have only one primary key", key.span));
        }
        table.primary_key = Some(key);
        Ok(())
    }

    fn drop_statement(&mut self) -> PResult<Statement> {
        let start = self.expect_kw("DROP")?;
        let temporary = self.eat_kw("TEMPORARY");
        self.eat_kw("SYSTEM");
        let object = if self.eat_kw("TABLE") {
            ObjectKind::Table
        } else if self.eat_kw("VIEW") {
            ObjectKind::View
        } else if self.eat_kw("FUNCTION") {
            ObjectKind::Function
        } else if self.eat_kw("CATALOG") {
            ObjectKind::Catalog
        } else if self.eat_kw("DATABASE") {
            ObjectKind::Database
        } else {
            return Err(self.expected("\"TABLE\", \"VIEW\", \"FUNCTION\", \"CATALOG\" or \"DATABASE\""));
        };
        let if_exists = self.eat_kws(&["IF", "EXISTS"]);
        let name = self.object_name()?;
        Ok(Statement::Drop { object, temporary, if_exists, name, span: self.span_from(start) })
    }

    fn show(&mut self) -> PResult<Statement> {
        let start = self.expect_kw("SHOW")?;
        let what = if self.eat_kw("TABLES") {
            ShowKind::Tables
        } else if self.eat_kw("VIEWS") {
            ShowKind::Views
        } else if self.eat_kw("FUNCTIONS") {
            ShowKind::Functions
        } else if self.eat_kw("CATALOGS") {
            ShowKind::Catalogs
        } else if self.eat_kw("DATABASES") {
            ShowKind::Databases
        } else if self.eat_kws(&["CURRENT", "CATALOG"]) {
            ShowKind::CurrentCatalog
        } else if self.eat_kws(&["CURRENT", "DATABASE"]) {
            ShowKind::CurrentDatabase
        } else if self.is_kw("COLUMNS") && (self.is_kw_at(1, "FROM") || self.is_kw_at(1, "IN")) {
            // Flink's SHOW COLUMNS lists what DESCRIBE lists.
            self.pos += 2;
            let name = self.object_name()?;
            if self.is_kw("LIKE") || self.is_kw("NOT") {
                return Err(Diagnostic::user("SHOW COLUMNS .. LIKE is not supported", self.span())
                    .with_hint("Leave the LIKE pattern out: every column is listed."));
            }
            return Ok(Statement::Describe { name, span: self.span_from(start) });
        } else if self.eat_kws(&["CREATE", "TABLE"]) {
            ShowKind::CreateTable(self.object_name()?)
        } else if self.eat_kws(&["CREATE", "VIEW"]) {
            ShowKind::CreateView(self.object_name()?)
        } else {
            return Err(self.expected(
                "\"TABLES\", \"VIEWS\", \"FUNCTIONS\", \"CATALOGS\", \"DATABASES\", \"CURRENT CATALOG\", \"COLUMNS FROM\" or \"CREATE TABLE\"",
            ));
        };
        Ok(Statement::Show { what, span: self.span_from(start) })
    }

    /// `INSERT INTO|OVERWRITE t [hints] [PARTITION (k = v, ..)] [(cols)] query`.
    fn insert(&mut self) -> PResult<Insert> {
        let start = self.expect_kw("INSERT")?;
        let overwrite = if self.eat_kw("OVERWRITE") {
            true
        } else {
            self.expect_kw("INTO")?;
            false
        };
        self.eat_kw("TABLE");
        let table = self.object_name()?;
        let table_hints = self.hints()?;
        let partition = if self.eat_kw("PARTITION") {
            self.expect(&TokenKind::LParen)?;
            let list = self.comma_separated(|p| {
                let key = p.ident()?;
                p.expect(&TokenKind::Eq)?;
                Ok((key, p.expr()?))
            })?;
            self.expect(&TokenKind::RParen)?;
            list
        } else {
            Vec::new()
        };
        let columns = if self.is(&TokenKind::LParen) && !self.at_query_start() { self.paren_ident_list()? } else { Vec::new() };
        let source = self.query()?;
        Ok(Insert { table, overwrite, partition, columns, table_hints, source: Box::new(source), span: self.span_from(start) })
    }

    /// The inserts of a statement set, up to and including `END`.
    fn statement_set_body(&mut self, start: Span) -> PResult<Statement> {
        let mut inserts = Vec::new();
        loop {
            while self.eat(&TokenKind::Semicolon) {}
            if self.eat_kw("END") {
                break;
            }
            if !self.is_kw("INSERT") {
                return Err(self.expected("\"INSERT\" or \"END\"")
                    .with_hint("A statement set holds only INSERT statements, each ending with \";\", and closes with END."));
            }
            inserts.push(self.insert()?);
            if !self.is(&TokenKind::Semicolon) && !self.is_kw("END") {
                return Err(self.expected("\";\""));
            }
        }
        Ok(Statement::StatementSet { inserts, span: self.span_from(start) })
    }

    fn explain(&mut self) -> PResult<Statement> {
        let start = self.expect_kw("EXPLAIN")?;
        let mut details = Vec::new();
        if self.eat_kws(&["PLAN", "FOR"]) {
        } else {
            while EXPLAIN_DETAILS.iter().any(|d| self.is_kw(d)) {
                details.push(self.any_word_ident()?);
                if !self.eat(&TokenKind::Comma) {
                    break;
                }
            }
        }
        let statement = self.nested(|p| p.statement())?;
        Ok(Statement::Explain { details, statement: Box::new(statement), span: self.span_from(start) })
    }
}
