//! Where the database is (`url`, `username`, `password`) and how to reach it: connecting
//! with bounded retries, telling a lost connection from a rejected statement, and the
//! one-line-per-wave outage log on stderr.
//!
//! TLS follows the PostgreSQL JDBC driver's URL parameters: `sslmode` (`disable`, `allow`,
//! `prefer`, the default, `require`, `verify-ca`, `verify-full`; `ssl=true` alone means
//! `verify-full`, as in the driver), `sslrootcert` (the CA file; `verify-ca` and
//! `verify-full` fall back to `~/.postgresql/root.crt`), and a client certificate with
//! `sslcert`, `sslkey` (PEM, or the driver's PKCS8 DER `.pk8`) and `sslpassword`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use openssl::pkey::PKey;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::Client;
use postgres_openssl::MakeTlsConnector;
use sluice_connector_api::ConnectorError;

/// A PostgreSQL server and database, from a `jdbc:postgresql://host:port/db?params` URL.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    password: Option<String>,
    tls: Tls,
    /// Built from `tls` when the URL is parsed, so unreadable certificate files fail
    /// while the job is planned.
    connector: TlsConnector,
}

/// The TLS connector of an endpoint (opaque; `Debug` names it only).
#[derive(Clone)]
struct TlsConnector(MakeTlsConnector);

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConnector")
    }
}

/// How the connection is encrypted and what is checked, from the URL's `ssl*` parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    mode: TlsMode,
    root_cert: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    key_password: Option<String>,
}

/// `sslmode`. `allow` (plain first, then TLS) is taken as `prefer` (TLS first, then
/// plain): both accept either, and the server's `pg_hba.conf` decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum TlsMode {
    Disable,
    #[default]
    Prefer,
    /// Encrypted, the server's certificate not checked.
    Require,
    /// Encrypted, the server's certificate signed by the root certificate.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host.
    VerifyFull,
}

impl Tls {
    /// From the URL's query parameters.
    fn parse(params: &[(&str, &str)]) -> Result<Tls, String> {
        let get = |key: &str| params.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let mode = match (get("sslmode"), get("ssl")) {
            (Some(mode), _) => match mode.to_ascii_lowercase().as_str() {
                "disable" => TlsMode::Disable,
                "allow" | "prefer" => TlsMode::Prefer,
                "require" => TlsMode::Require,
                "verify-ca" => TlsMode::VerifyCa,
                "verify-full" => TlsMode::VerifyFull,
                other => {
                    return Err(format!(
                        "unknown sslmode \"{other}\": use disable, allow, prefer, require, verify-ca or verify-full"
                    ))
                }
            },
            (None, Some(ssl)) if ssl.eq_ignore_ascii_case("true") || ssl.is_empty() => TlsMode::VerifyFull,
            (None, Some(ssl)) if ssl.eq_ignore_ascii_case("false") => TlsMode::Prefer,
            (None, Some(ssl)) => return Err(format!("ssl={ssl} is neither true nor false")),
            (None, None) => TlsMode::Prefer,
        };
        let path = |key: &str| get(key).filter(|v| !v.is_empty()).map(|v| PathBuf::from(percent_decode(v)));
        let mut root_cert = path("sslrootcert");
        if root_cert.is_none() && matches!(mode, TlsMode::VerifyCa | TlsMode::VerifyFull) {
            let default = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".postgresql/root.crt"));
            root_cert = Some(default.filter(|p| p.is_file()).ok_or_else(|| {
                "sslmode verify-ca and verify-full check the server's certificate against a CA: add \
                 sslrootcert=/path/to/ca.pem to the URL"
                    .to_string()
            })?);
        }
        let (cert, key) = (path("sslcert"), path("sslkey"));
        if cert.is_some() != key.is_some() {
            return Err("a client certificate needs both sslcert and sslkey".into());
        }
        let key_password = get("sslpassword").map(percent_decode);
        Ok(Tls { mode, root_cert, cert, key, key_password })
    }

    /// The TLS connector for `postgres`, checking what the mode asks for.
    fn connector(&self) -> Result<MakeTlsConnector, String> {
        let mut builder = SslConnector::builder(SslMethod::tls()).map_err(|e| e.to_string())?;
        if let Some(root) = &self.root_cert {
            builder.set_ca_file(root).map_err(|e| format!("cannot read sslrootcert {}: {e}", root.display()))?;
        }
        let verify = matches!(self.mode, TlsMode::VerifyCa | TlsMode::VerifyFull);
        builder.set_verify(if verify { SslVerifyMode::PEER } else { SslVerifyMode::NONE });
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            let read = |path: &PathBuf, what: &str| {
                std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
            };
            let cert_bytes = read(cert, "sslcert")?;
            let certificate = X509::from_pem(&cert_bytes)
                .or_else(|_| X509::from_der(&cert_bytes))
                .map_err(|_| format!("sslcert {} is not a PEM or DER certificate", cert.display()))?;
            builder.set_certificate(&certificate).map_err(|e| e.to_string())?;
            let key_bytes = read(key, "sslkey")?;
            let password = self.key_password.as_deref().unwrap_or("").as_bytes();
            let private_key = if key_bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
                PKey::private_key_from_pem_passphrase(&key_bytes, password)
            } else {
                PKey::private_key_from_pkcs8_passphrase(&key_bytes, password).or_else(|_| PKey::private_key_from_der(&key_bytes))
            }
            .map_err(|_| {
                format!("cannot read the private key sslkey {}: a wrong sslpassword, or not a PEM or PKCS8 key", key.display())
            })?;
            builder.set_private_key(&private_key).map_err(|e| e.to_string())?;
            builder.check_private_key().map_err(|_| "sslkey is not the key of sslcert".to_string())?;
        }
        let mut connector = MakeTlsConnector::new(builder.build());
        if self.mode != TlsMode::VerifyFull {
            connector.set_callback(|config, _| {
                config.set_verify_hostname(false);
                Ok(())
            });
        }
        Ok(connector)
    }

    fn ssl_mode(&self) -> SslMode {
        match self.mode {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
        }
    }
}

/// `%XX` escapes of a URL parameter decoded (paths and passwords may hold them).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
        let params: Vec<(&str, &str)> =
            query.split('&').filter(|p| !p.is_empty()).map(|pair| pair.split_once('=').unwrap_or((pair, ""))).collect();
        let param = |key: &str| params.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| percent_decode(v));
        let (url_user, url_password) = (param("user"), param("password"));
        let tls = Tls::parse(&params)?;
        let user = username
            .or(url_user)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "postgres".to_string());
        let database = if database.is_empty() { user.clone() } else { database.to_string() };
        let connector = TlsConnector(tls.connector()?);
        Ok(Endpoint { host, port, database, user, password: password.or(url_password), tls, connector })
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
        config.ssl_mode(self.tls.ssl_mode());
        config.connect(self.connector.0.clone())
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
                        tracing::info!(target: "sluice::jdbc",
                            "jdbc: connected to {} after {attempts} attempts ({why})",
                            self.address()
                        );
                    }
                    return Ok(client);
                }
                Err(e) if is_connection_error(&e) && !is_tls_failure(&e) && started.elapsed() + backoff < timeout => {
                    if attempts == 1 {
                        tracing::warn!(target: "sluice::jdbc",
                            "jdbc: cannot reach PostgreSQL at {} ({}); retrying for up to {} s ({why})",
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
        if is_tls_failure(e) {
            let hint = if detail.contains("certificate verify failed") {
                "The server's certificate is not signed by the CA in sslrootcert, or does not name the host \
                 (sslmode=verify-full): check sslrootcert and the host in \"url\"."
            } else if detail.contains("server does not support TLS") {
                "The server does not offer TLS: use sslmode=prefer or disable, or turn ssl on in the server."
            } else {
                "Check sslmode, sslrootcert, sslcert and sslkey in \"url\"."
            };
            return ConnectorError::Credentials(format!(
                "cannot set up TLS with PostgreSQL at \"{}\": {detail}. {hint}",
                self.address()
            ));
        }
        if e.code().is_some_and(|c| c.code().starts_with("28")) {
            // invalid_authorization_specification, invalid_password: pg_hba.conf or the login.
            return ConnectorError::Credentials(format!(
                "PostgreSQL at \"{}\" refused the login to database \"{}\" as user \"{}\": {detail}. Check \
                 \"username\" and \"password\", and sslmode (a server may accept only TLS connections).",
                self.address(),
                self.database,
                self.user
            ));
        }
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

/// Whether the TLS handshake failed, or TLS was required and the server has none: the
/// settings are wrong, and retrying will not mend them.
fn is_tls_failure(e: &postgres::Error) -> bool {
    let detail = describe(e);
    e.as_db_error().is_none()
        && (detail.contains("certificate") || detail.contains("SSL routines") || detail.contains("server does not support TLS"))
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
    crate::error_chain(e)
}
