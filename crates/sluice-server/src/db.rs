//! The two databases the store runs on, behind one small interface: SQLite (embedded, the
//! default) and PostgreSQL (`--store postgres://...`, for a server whose metadata should
//! live in a managed database). The store writes its SQL once, with `?1`-style
//! parameters and types both understand (TEXT and INTEGER, which PostgreSQL gets as
//! BIGINT); `Db` turns the parameters into PostgreSQL's `$1` and every value into a
//! `Val`.

use std::sync::{Mutex, MutexGuard};

/// A value going into or coming out of a query.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}

impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}

impl From<u32> for Val {
    fn from(v: u32) -> Val {
        Val::Int(v as i64)
    }
}

impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(v as i64)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// Parameters for a query: `vals![a, b, c]`.
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Val::from($v)),*][..] };
}
pub(crate) use vals;

/// One result row.
pub struct Row(Vec<Val>);

impl Row {
    fn at(&self, i: usize) -> Result<&Val, DbError> {
        self.0.get(i).ok_or_else(|| DbError::Shape(format!("no column {i}")))
    }

    pub fn text(&self, i: usize) -> Result<String, DbError> {
        self.opt_text(i)?.ok_or_else(|| DbError::Shape(format!("column {i} is NULL")))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Text(t) => Ok(Some(t.clone())),
            Val::Int(n) => Err(DbError::Shape(format!("column {i} is the number {n}, not text"))),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        self.opt_int(i)?.ok_or_else(|| DbError::Shape(format!("column {i} is NULL")))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Int(n) => Ok(Some(*n)),
            Val::Text(_) => Err(DbError::Shape(format!("column {i} is text, not a number"))),
        }
    }

    pub fn u32(&self, i: usize) -> Result<u32, DbError> {
        let n = self.int(i)?;
        u32::try_from(n).map_err(|_| DbError::Shape(format!("column {i} holds {n}, out of range")))
    }

    pub fn opt_u32(&self, i: usize) -> Result<Option<u32>, DbError> {
        self.opt_int(i)?.map(|n| u32::try_from(n).map_err(|_| DbError::Shape(format!("column {i} holds {n}, out of range")))).transpose()
    }

    pub fn bool(&self, i: usize) -> Result<bool, DbError> {
        Ok(self.int(i)? != 0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("unexpected stored value: {0}")]
    Shape(String),
}

/// A PostgreSQL error with the server's own message when there is one (its `Display`
/// alone says only "db error").
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    }
}

pub enum Db {
    Sqlite(Mutex<rusqlite::Connection>),
    Postgres(Mutex<postgres::Client>),
}

/// Runs blocking PostgreSQL work on a thread of the server's runtime, which the
/// `postgres` client (a runtime of its own inside) may not block otherwise.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every write is one statement or one transaction, so a lock poisoned by a panic
    // elsewhere still guards a consistent database.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `?1` parameters as PostgreSQL's `$1`.
fn dollar(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

impl postgres::types::ToSql for Val {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Val::Null => Ok(postgres::types::IsNull::Yes),
            Val::Text(t) => t.as_str().to_sql(ty, out),
            Val::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Val::Int(n) if *ty == Type::BOOL => (*n != 0).to_sql(ty, out),
            Val::Int(n) => n.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn pg_row(row: &postgres::Row) -> Result<Row, DbError> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let v = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map_or(Val::Null, Val::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?.map_or(Val::Null, |n| Val::Int(n as i64))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?.map_or(Val::Null, |b| Val::Int(b as i64))
        } else {
            row.try_get::<_, Option<String>>(i)?.map_or(Val::Null, Val::Text)
        };
        out.push(v);
    }
    Ok(Row(out))
}

fn sqlite_rows(conn: &rusqlite::Connection, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
    let mut stmt = conn.prepare(sql)?;
    let width = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(sqlite_value)))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(width);
        for i in 0..width {
            row.push(match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Val::Null,
                rusqlite::types::ValueRef::Integer(n) => Val::Int(n),
                rusqlite::types::ValueRef::Real(f) => Val::Int(f as i64),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
            });
        }
        out.push(Row(row));
    }
    Ok(out)
}

fn sqlite_value(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Null => rusqlite::types::Value::Null,
        Val::Int(n) => rusqlite::types::Value::Integer(*n),
        Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
    }
}

fn pg_params(params: &[Val]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect()
}

/// Statements inside one transaction (see `Db::transaction`).
pub enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres(postgres::Transaction<'a>),
}

impl Tx<'_> {
    pub fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        Ok(match self {
            Tx::Sqlite(tx) => tx.execute(sql, rusqlite::params_from_iter(params.iter().map(sqlite_value)))? as u64,
            Tx::Postgres(tx) => tx.execute(dollar(sql).as_str(), &pg_params(params))?,
        })
    }

    pub fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        match self {
            Tx::Sqlite(tx) => sqlite_rows(tx, sql, params),
            Tx::Postgres(tx) => tx.query(dollar(sql).as_str(), &pg_params(params))?.iter().map(pg_row).collect(),
        }
    }

    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => tx.execute_batch(sql)?,
            Tx::Postgres(tx) => tx.batch_execute(&postgres_ddl(sql))?,
        }
        Ok(())
    }
}

/// The store's DDL for PostgreSQL: its integers are 64-bit, as SQLite's are.
fn postgres_ddl(sql: &str) -> String {
    sql.replace("INTEGER", "BIGINT")
}

impl Db {
    pub fn execute(&self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        Ok(match self {
            Db::Sqlite(c) => lock(c).execute(sql, rusqlite::params_from_iter(params.iter().map(sqlite_value)))? as u64,
            Db::Postgres(c) => blocking(|| lock(c).execute(dollar(sql).as_str(), &pg_params(params)))?,
        })
    }

    pub fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        match self {
            Db::Sqlite(c) => sqlite_rows(&lock(c), sql, params),
            Db::Postgres(c) => blocking(|| lock(c).query(dollar(sql).as_str(), &pg_params(params))?.iter().map(pg_row).collect()),
        }
    }

    /// The first row of a query, if any.
    pub fn query_one(&self, sql: &str, params: &[Val]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs `f` in one transaction, committed when it returns `Ok`.
    pub fn transaction<T, E: From<DbError>>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        match self {
            Db::Sqlite(c) => {
                let mut conn = lock(c);
                let mut tx = Tx::Sqlite(conn.transaction().map_err(DbError::from)?);
                let out = f(&mut tx)?;
                if let Tx::Sqlite(tx) = tx {
                    tx.commit().map_err(DbError::from)?;
                }
                Ok(out)
            }
            Db::Postgres(c) => blocking(|| {
                let mut client = lock(c);
                let mut tx = Tx::Postgres(client.transaction().map_err(DbError::from)?);
                let out = f(&mut tx)?;
                if let Tx::Postgres(tx) = tx {
                    tx.commit().map_err(DbError::from)?;
                }
                Ok(out)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_mark_parameters_become_dollar_ones() {
        assert_eq!(dollar("SELECT a FROM t WHERE id = ?1 AND b = ?12 AND c = '?'"), "SELECT a FROM t WHERE id = $1 AND b = $12 AND c = '?'");
    }
}
