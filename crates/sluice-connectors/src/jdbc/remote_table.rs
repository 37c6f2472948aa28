//! The PostgreSQL table behind a `jdbc` table: checking at start-up that it exists and
//! that every declared column fits its PostgreSQL type, and the SQL the connector sends.
//! Identifiers are written unquoted, as Flink's PostgreSQL dialect does, so PostgreSQL
//! folds them to lower case; values are always parameters.

use postgres::types::Type;
use postgres::Client;
use sluice_connector_api::ConnectorError;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::DataType;

use super::connection::{describe, is_connection_error, Endpoint};
use super::decode::ColumnDecoder;

/// Checks that `columns` of `table` exist and fit their declared types; returns each
/// column's PostgreSQL type. Nothing is read: the statement is only prepared.
pub fn check_columns(
    client: &mut Client,
    endpoint: &Endpoint,
    table: &str,
    columns: &[(String, DataType)],
    tz: &SessionTimeZone,
) -> Result<Vec<Type>, ConnectorError> {
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let sql = select_sql(table, &names);
    let statement = client.prepare(&sql).map_err(|e| {
        if is_connection_error(&e) {
            ConnectorError::External(format!(
                "lost the connection to PostgreSQL at \"{}\" while checking table \"{table}\": {}",
                endpoint.address(),
                describe(&e)
            ))
        } else {
            ConnectorError::Schema(format!(
                "cannot use PostgreSQL table \"{table}\" in database \"{}\" at \"{}\": {}",
                endpoint.database,
                endpoint.address(),
                describe(&e)
            ))
        }
    })?;
    let mut types = Vec::with_capacity(columns.len());
    for ((name, data_type), column) in columns.iter().zip(statement.columns()) {
        let decoder = ColumnDecoder::new(data_type, tz)
            .map_err(|reason| ConnectorError::Schema(format!("column \"{name}\" of table \"{table}\": {reason}")))?;
        if !decoder.fits(column.type_()) {
            return Err(ConnectorError::Schema(format!(
                "column \"{name}\" of PostgreSQL table \"{table}\" has type \"{}\", which does not fit the declared \
                 type {data_type}. Declare the column with a matching Flink type, or change the PostgreSQL column.",
                column.type_().name()
            )));
        }
        types.push(column.type_().clone());
    }
    Ok(types)
}

/// `SELECT c1, c2 FROM table`.
pub fn select_sql(table: &str, columns: &[&str]) -> String {
    format!("SELECT {} FROM {table}", columns.join(", "))
}

/// `$n::type[]` for parameter `n` (1-based) holding an array of `ty` values.
pub fn array_param(n: usize, ty: &Type) -> String {
    format!("${n}::{}[]", ty.name())
}

/// Rows arrive as one array parameter per column; `UNNEST` turns them back into rows,
/// so a whole buffer is written by one statement.
fn unnest(types: &[&Type]) -> String {
    let params: Vec<String> = types.iter().enumerate().map(|(i, t)| array_param(i + 1, t)).collect();
    format!("SELECT * FROM UNNEST({})", params.join(", "))
}

/// `INSERT INTO t (cols) SELECT * FROM UNNEST(...)`, with `ON CONFLICT (key) DO UPDATE`
/// when `key` (indices into `columns`) is not empty.
pub fn insert_sql(table: &str, columns: &[&str], types: &[Type], key: &[usize]) -> String {
    let refs: Vec<&Type> = types.iter().collect();
    let mut sql = format!("INSERT INTO {table} ({}) {}", columns.join(", "), unnest(&refs));
    if !key.is_empty() {
        let key_names: Vec<&str> = key.iter().map(|&i| columns[i]).collect();
        let updates: Vec<String> = (0..columns.len())
            .filter(|i| !key.contains(i))
            .map(|i| format!("{0} = EXCLUDED.{0}", columns[i]))
            .collect();
        if updates.is_empty() {
            sql.push_str(&format!(" ON CONFLICT ({}) DO NOTHING", key_names.join(", ")));
        } else {
            sql.push_str(&format!(" ON CONFLICT ({}) DO UPDATE SET {}", key_names.join(", "), updates.join(", ")));
        }
    }
    sql
}

/// `<key columns> IN (SELECT * FROM UNNEST(...))`: a condition matching any of a batch
/// of keys, given as one array parameter per key column starting at `$1`.
pub fn key_in_sql(key_columns: &[&str], key_types: &[&Type]) -> String {
    let target =
        if key_columns.len() == 1 { key_columns[0].to_string() } else { format!("({})", key_columns.join(", ")) };
    format!("{target} IN ({})", unnest(key_types))
}

/// `DELETE FROM t WHERE <key> IN (...)`.
pub fn delete_sql(table: &str, key_columns: &[&str], key_types: &[&Type]) -> String {
    format!("DELETE FROM {table} WHERE {}", key_in_sql(key_columns, key_types))
}
