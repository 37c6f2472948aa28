//! Where the database is (`url`, `username`, `password`) and how to reach it: connecting
//! with bounded retries, telling a lost connection from a rejected statement, and the
//! one-line-per-wave outage log on stderr.

use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, NoTls};
use sluice_connector_api::ConnectorError;

/// A PostgreSQL server and database, from a `jdbc:postgresql://host:port/db?params` URL.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    password: Option<String>,
}

impl Endpoint {
    /// Parses the URL. `username`/`password` override the URL's `user`/`password`
    /// parameters; without either the user is the OS user, as PostgreSQL's driver does.
    pub fn parse(url: &str, username: Option<String>, password: Option<String>) -> Result<Endpoint, String> {
        let rest = url.trim().strip_prefix("jdbc:postgresql://").ok_or_else(|| {
            if url.starts_with("jdbc:") {
                "only PostgreSQL URLs (jdbc:postgresql://host:port/database) are supported".to_string()
            } else {
                "expected a JDBC URL such as jdbc:postgresql://localhost:5432/mydb".to_string()
            }
        })?;
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, database) = location.split_once('/').unwrap_or((location, ""));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h.to_string(), p.parse::<u16>().map_err(|_| format!("\"{p}\" is not a port number"))?)
            }
            _ => (authority.to_string(), 5432),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let host = if host.is_empty() { "localhost".to_string() } else { host };
        let mut url_user = None;
        let mut url_password = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "user" => url_user = Some(v.to_string()),
                "password" => url_password = Some(v.to_string()),
                _ => {}
            }
        }
        let user = username
            .or(url_user)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "postgres".to_string());
        let database = if database.is_empty() { user.clone() } else { database.to_string() };
        Ok(Endpoint { host, port, database, user, password: password.or(url_password) })
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// One connection attempt.
    pub fn connect_once(&self) -> Result<Client, postgres::Error> {
        let mut config = postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .dbname(&self.database)
            .user(&self.user)
            .application_name("sluice")
            .connect_timeout(Duration::from_secs(10));
        if let Some(p) = &self.password {
            config.password(p);
        }
        config.connect(NoTls)
    }

    /// Connects, retrying connection failures with backoff for up to `timeout`. Errors
    /// the server gives on purpose (a wrong password, a missing database) are not
    /// retried. `why` says what the connection is for, for the log.
    pub fn connect(&self, timeout: Duration, why: &str) -> Result<Client, ConnectorError> {
        let started = Instant::now();
        let mut backoff = Duration::from_millis(100);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match self.connect_once() {
                Ok(client) => {
                    if attempts > 1 {
                        eprintln!(
                            "[sluice] jdbc: connected to {} after {attempts} attempts ({why})",
                            self.address()
                        );
                    }
                    return Ok(client);
                }
                Err(e) if is_connection_error(&e) && started.elapsed() + backoff < timeout => {
                    if attempts == 1 {
                        eprintln!(
                            "[sluice] jdbc: cannot reach PostgreSQL at {} ({}); retrying for up to {} s ({why})",
                            self.address(),
                            describe(&e),
                            timeout.as_secs()
                        );
                    }
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
                Err(e) => return Err(self.connect_error(&e, attempts, started.elapsed())),
            }
        }
    }

    fn connect_error(&self, e: &postgres::Error, attempts: u32, elapsed: Duration) -> ConnectorError {
        let detail = describe(e);
        if is_connection_error(e) {
            ConnectorError::External(format!(
                "cannot connect to PostgreSQL at \"{}\" (database \"{}\"): {detail}. Gave up after {attempts} \
                 attempts in {:.1} s. Check that the server runs and that \"url\" names its host and port.",
                self.address(),
                self.database,
                elapsed.as_secs_f64()
            ))
        } else {
            ConnectorError::External(format!(
                "PostgreSQL at \"{}\" refused the connection to database \"{}\" as user \"{}\": {detail}",
                self.address(),
                self.database,
                self.user
            ))
        }
    }
}

/// Whether `e` means the connection is gone or could not be made (worth reconnecting),
/// rather than the server rejecting what was sent.
pub fn is_connection_error(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            code.code().starts_with("08")
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
        }
        // No SQL state: an I/O error or a protocol failure on the socket.
        None => e.as_db_error().is_none(),
    }
}

/// Whether retrying the same statement may succeed (a lost connection, a deadlock, a
/// serialization failure).
pub fn is_transient(e: &postgres::Error) -> bool {
    is_connection_error(e)
        || e.code().is_some_and(|c| *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE)
}

/// The most useful text of an error: the server's message when it sent one.
pub fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
