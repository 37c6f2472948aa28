//! Printing statements.

use std::fmt::{self, Display, Formatter};

use super::expr::list;
use super::Quoted;
use crate::ast::*;

fn if_true(cond: bool, s: &'static str) -> &'static str {
    if cond {
        s
    } else {
        ""
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Set { key: None, .. } => f.write_str("SET"),
            Statement::Set { key: Some((k, _)), value, .. } => {
                let v = value.as_ref().map(|(v, _)| v.as_str()).unwrap_or("");
                write!(f, "SET {} = {}", Quoted(k), Quoted(v))
            }
            Statement::Reset { key: None, .. } => f.write_str("RESET"),
            Statement::Reset { key: Some((k, _)), .. } => write!(f, "RESET {}", Quoted(k)),
            Statement::CreateTable(t) => write!(f, "{t}"),
            Statement::CreateView(v) => {
                write!(
                    f,
                    "CREATE {}VIEW {}{}",
                    if_true(v.temporary, "TEMPORARY "),
                    if_true(v.if_not_exists, "IF NOT EXISTS "),
                    v.name
                )?;
                if !v.columns.is_empty() {
                    write!(f, " ({})", list(&v.columns))?;
                }
                write!(f, " AS {}", v.query)
            }
            Statement::CreateFunction(c) => {
                write!(
                    f,
                    "CREATE {}{}FUNCTION {}{} AS {}",
                    if_true(c.temporary, "TEMPORARY "),
                    if_true(c.system, "SYSTEM "),
                    if_true(c.if_not_exists, "IF NOT EXISTS "),
                    c.name,
                    Quoted(&c.class_name.0)
                )?;
                if let Some(lang) = &c.language {
                    write!(f, " LANGUAGE {lang}")?;
                }
                Ok(())
            }
            Statement::Drop { object, temporary, if_exists, name, .. } => {
                let kind = match object {
                    ObjectKind::Table => "TABLE",
                    ObjectKind::View => "VIEW",
                    ObjectKind::Function => "FUNCTION",
                    ObjectKind::Catalog => "CATALOG",
                    ObjectKind::Database => "DATABASE",
                };
                write!(f, "DROP {}{kind} {}{name}", if_true(*temporary, "TEMPORARY "), if_true(*if_exists, "IF EXISTS "))
            }
            Statement::Show { what, .. } => match what {
                ShowKind::Tables => f.write_str("SHOW TABLES"),
                ShowKind::Views => f.write_str("SHOW VIEWS"),
                ShowKind::Functions => f.write_str("SHOW FUNCTIONS"),
                ShowKind::Catalogs => f.write_str("SHOW CATALOGS"),
                ShowKind::Databases => f.write_str("SHOW DATABASES"),
                ShowKind::CurrentCatalog => f.write_str("SHOW CURRENT CATALOG"),
                ShowKind::CurrentDatabase => f.write_str("SHOW CURRENT DATABASE"),
                ShowKind::CreateTable(n) => write!(f, "SHOW CREATE TABLE {n}"),
                ShowKind::CreateView(n) => write!(f, "SHOW CREATE VIEW {n}"),
            },
            Statement::Describe { name, .. } => write!(f, "DESCRIBE {name}"),
            Statement::Insert(i) => write!(f, "{i}"),
            Statement::StatementSet { inserts, .. } => {
                f.write_str("EXECUTE STATEMENT SET BEGIN\n")?;
                for i in inserts {
                    writeln!(f, "{i};")?;
                }
                f.write_str("END")
            }
            Statement::Explain { details, statement, .. } => {
                f.write_str("EXPLAIN ")?;
                if !details.is_empty() {
                    write!(f, "{} ", list(details))?;
                }
                write!(f, "{statement}")
            }
            Statement::Query(q) => write!(f, "{q}"),
            Statement::Use { catalog, name, .. } => write!(f, "USE {}{name}", if_true(*catalog, "CATALOG ")),
        }
    }
}

impl Display for Insert {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "INSERT {} {}", if self.overwrite { "OVERWRITE" } else { "INTO" }, self.table)?;
        if !self.table_hints.is_empty() {
            write!(f, " /*+ {} */", list(&self.table_hints))?;
        }
        if !self.partition.is_empty() {
            let parts: Vec<String> = self.partition.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            write!(f, " PARTITION ({})", parts.join(", "))?;
        }
        if !self.columns.is_empty() {
            write!(f, " ({})", list(&self.columns))?;
        }
        write!(f, "\n{}", self.source)
    }
}

impl Display for CreateTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE {}TABLE {}{}",
            if_true(self.temporary, "TEMPORARY "),
            if_true(self.if_not_exists, "IF NOT EXISTS "),
            self.name
        )?;
        let mut elements: Vec<String> = self.columns.iter().map(|c| c.to_string()).collect();
        if let Some(w) = &self.watermark {
            elements.push(format!("WATERMARK FOR {} AS {}", w.column, w.expr));
        }
        if let Some(pk) = &self.primary_key {
            let constraint = pk.name.as_ref().map(|n| format!("CONSTRAINT {n} ")).unwrap_or_default();
            elements.push(format!("{constraint}PRIMARY KEY ({}) NOT ENFORCED", list(&pk.columns)));
        }
        if !elements.is_empty() {
            write!(f, " (\n  {}\n)", elements.join(",\n  "))?;
        }
        if let Some(c) = &self.comment {
            write!(f, " COMMENT {}", Quoted(c))?;
        }
        if !self.partitioned_by.is_empty() {
            write!(f, " PARTITIONED BY ({})", list(&self.partitioned_by))?;
        }
        if !self.options.is_empty() {
            let options: Vec<String> = self.options.iter().map(|o| o.to_string()).collect();
            write!(f, " WITH (\n  {}\n)", options.join(",\n  "))?;
        }
        if let Some(like) = &self.like {
            write!(f, " LIKE {like}")?;
            if !self.like_options.is_empty() {
                let options: Vec<String> = self
                    .like_options
                    .iter()
                    .map(|o| {
                        let strategy = match o.strategy {
                            LikeStrategy::Including => "INCLUDING",
                            LikeStrategy::Excluding => "EXCLUDING",
                            LikeStrategy::Overwriting => "OVERWRITING",
                        };
                        let feature = match o.feature {
                            LikeFeature::All => "ALL",
                            LikeFeature::Constraints => "CONSTRAINTS",
                            LikeFeature::Generated => "GENERATED",
                            LikeFeature::Metadata => "METADATA",
                            LikeFeature::Options => "OPTIONS",
                            LikeFeature::Partitions => "PARTITIONS",
                            LikeFeature::Watermarks => "WATERMARKS",
                        };
                        format!("{strategy} {feature}")
                    })
                    .collect();
                write!(f, " ({})", options.join(" "))?;
            }
        }
        if let Some(q) = &self.as_query {
            write!(f, " AS {q}")?;
        }
        Ok(())
    }
}

impl Display for ColumnDef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        match &self.kind {
            ColumnKind::Physical { data_type, .. } => write!(f, " {data_type}")?,
            ColumnKind::Metadata { data_type, from, is_virtual, .. } => {
                write!(f, " {data_type} METADATA")?;
                if let Some((key, _)) = from {
                    write!(f, " FROM {}", Quoted(key))?;
                }
                if *is_virtual {
                    f.write_str(" VIRTUAL")?;
                }
            }
            ColumnKind::Computed { expr } => write!(f, " AS {expr}")?,
        }
        if let Some(c) = &self.comment {
            write!(f, " COMMENT {}", Quoted(c))?;
        }
        Ok(())
    }
}
