//! A real PostgreSQL server for tests (Debian's `postgresql`): `initdb` and `pg_ctl` in a
//! temp folder on a free loopback port, stopped and removed on drop.
//!
//! PostgreSQL refuses to run as root, so when the tests run as root the server runs as
//! the `postgres` OS user (through `runuser`) and the folder is handed to that user.
//! `pg_stat_statements` is preloaded, so a test can count the statements the server has
//! executed (`statement_calls`): a lookup cache is tested by the queries it saves.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::process::free_port;
use crate::tls::Certificates;

/// The login of `Postgres::start_with_tls` that must use TLS (the client certificate of
/// `Certificates` is made out to this name).
pub const TLS_USER: &str = "avnadmin";
/// Its password.
pub const TLS_PASSWORD: &str = "pg-Pa55word";

/// A running PostgreSQL server with the trust-authenticated superuser `postgres`.
pub struct Postgres {
    dir: PathBuf,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    run_as_postgres: bool,
    running: bool,
}

impl Postgres {
    /// Creates a cluster in a fresh temp folder and starts it on a free port.
    pub fn start() -> Postgres {
        Postgres::start_with(None)
    }

    /// As `start`, with TLS on (the server certificate of `certs`, for `localhost` and
    /// `127.0.0.1`), as a managed PostgreSQL has it:
    /// - the user `TLS_USER` (password `TLS_PASSWORD`) may log in over TLS only;
    /// - to the database `certdb` that user logs in with the client certificate of `certs`
    ///   (its name is the user's) instead of a password.
    ///
    /// The superuser `postgres` keeps its plain, trusted login for the test's own checks.
    pub fn start_with_tls(certs: &Certificates) -> Postgres {
        Postgres::start_with(Some(certs))
    }

    fn start_with(tls: Option<&Certificates>) -> Postgres {
        let bin = pg_bin();
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("sluice-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the PostgreSQL folder");
        let run_as_postgres = is_root();
        if run_as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("run chown");
            assert!(status.success(), "cannot hand {} to the postgres user", dir.display());
        }
        let data = dir.join("data");
        let mut pg = Postgres { dir, data, bin, port, run_as_postgres, running: false };
        let out = pg.run("initdb", &["-D", &path_str(&pg.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
        assert!(out.status.success(), "initdb failed:\n{}", text(&out));
        if let Some(certs) = tls {
            pg.turn_tls_on(certs);
        }
        pg.resume();
        pg.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        if tls.is_some() {
            pg.execute(&format!("CREATE ROLE {TLS_USER} LOGIN SUPERUSER PASSWORD '{TLS_PASSWORD}'"));
            // Alone: CREATE DATABASE cannot run inside the transaction a batch is.
            pg.execute("CREATE DATABASE certdb");
        }
        pg
    }

    /// Puts the server's certificate and key into the data folder (the key readable by
    /// its owner only, as PostgreSQL demands) and the TLS settings and login rules into
    /// its configuration. `pg_hba.conf` takes the first matching line, so the rules go
    /// before initdb's.
    fn turn_tls_on(&self, certs: &Certificates) {
        for (from, to) in [("server.pem", "server.crt"), ("server.key", "server.key"), ("ca.pem", "root.crt")] {
            let target = self.data.join(to);
            std::fs::copy(certs.path(from), &target).unwrap_or_else(|e| panic!("cannot copy {from}: {e}"));
            std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
            if self.run_as_postgres {
                let status = Command::new("chown").arg("postgres:postgres").arg(&target).status().expect("run chown");
                assert!(status.success(), "cannot hand {} to the postgres user", target.display());
            }
        }
        let conf = self.data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("read postgresql.conf");
        text += "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = 'root.crt'\n";
        std::fs::write(&conf, text).expect("write postgresql.conf");
        let hba = self.data.join("pg_hba.conf");
        let rules = format!(
            "hostssl certdb {TLS_USER} 127.0.0.1/32 cert\n\
             hostssl all {TLS_USER} 127.0.0.1/32 scram-sha-256\n\
             hostnossl all {TLS_USER} 127.0.0.1/32 reject\n"
        );
        let text = rules + &std::fs::read_to_string(&hba).expect("read pg_hba.conf");
        std::fs::write(&hba, text).expect("write pg_hba.conf");
    }

    /// `jdbc:postgresql://127.0.0.1:PORT/db`, for the `url` option.
    pub fn url(&self, db: &str) -> String {
        format!("jdbc:postgresql://127.0.0.1:{}/{db}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs `sql` (one or more statements) in the `postgres` database.
    pub fn execute(&self, sql: &str) {
        self.execute_in("postgres", sql);
    }

    /// Runs `sql` (one or more statements) in the database `db`.
    pub fn execute_in(&self, db: &str, sql: &str) {
        let mut client = self.client_in(db);
        client.batch_execute(sql).unwrap_or_else(|e| panic!("executing {sql:?} failed: {e:?}"));
    }

    /// Runs a query in the `postgres` database and returns its rows as text (`None` for
    /// NULL), which is what a test compares.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let mut client = self.client();
        let messages = client.simple_query(sql).unwrap_or_else(|e| panic!("query {sql:?} failed: {e}"));
        let mut rows = Vec::new();
        for message in messages {
            if let ::postgres::SimpleQueryMessage::Row(row) = message {
                rows.push((0..row.len()).map(|i| row.get(i).map(|s| s.to_string())).collect());
            }
        }
        rows
    }

    /// How many times the server has executed statements whose text matches the SQL
    /// `LIKE` pattern `pattern` (case-insensitive), since start or the last
    /// `reset_statement_calls`. Counted by `pg_stat_statements`, so it is exact.
    pub fn statement_calls(&self, pattern: &str) -> i64 {
        let mut client = self.client();
        let row = client
            .query_one(
                "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query ILIKE $1",
                &[&pattern],
            )
            .unwrap_or_else(|e| panic!("reading pg_stat_statements failed: {e}"));
        row.get(0)
    }

    /// Forgets the statement counts.
    pub fn reset_statement_calls(&self) {
        self.execute("SELECT pg_stat_statements_reset()");
    }

    /// A fresh client connected to the `postgres` database as `postgres`.
    pub fn client(&self) -> ::postgres::Client {
        self.client_in("postgres")
    }

    /// A fresh client connected to the database `db` as `postgres`.
    pub fn client_in(&self, db: &str) -> ::postgres::Client {
        let config = format!("host=127.0.0.1 port={} user=postgres dbname={db}", self.port);
        ::postgres::Client::connect(&config, ::postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL on port {}: {e}", self.port))
    }

    /// Restarts the server (`pg_ctl restart -m fast`): connections are dropped, data kept.
    pub fn restart(&mut self) {
        self.stop();
        self.resume();
    }

    /// Stops the server (fast shutdown); `resume` starts it again on the same port.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        let out = self.run("pg_ctl", &["-D", &path_str(&self.data), "-m", "fast", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop failed:\n{}", text(&out));
        self.running = false;
    }

    /// Starts the server after `stop` (or for the first time), waiting until it accepts
    /// connections.
    pub fn resume(&mut self) {
        if self.running {
            return;
        }
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements \
             -c pg_stat_statements.track=all -c fsync=off -c max_connections=100",
            self.port,
            path_str(&self.dir)
        );
        let log = self.dir.join("server.log");
        let out = self.run(
            "pg_ctl",
            &["-D", &path_str(&self.data), "-l", &path_str(&log), "-o", &options, "-w", "-t", "60", "start"],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed:\n{}\n{}",
            text(&out),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        self.running = true;
    }

    /// Runs one of PostgreSQL's programs, as the `postgres` user when we are root.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(program);
        let mut cmd = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.running {
            let _ = self.run("pg_ctl", &["-D", &path_str(&self.data), "-m", "immediate", "-w", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The folder of `initdb` and `pg_ctl`: `SLUICE_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin`.
fn pg_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SLUICE_PG_BIN").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "the PostgreSQL tests need Debian's `postgresql` package: run scripts/services.sh, \
             which installs it, or set SLUICE_PG_BIN to the folder holding initdb and pg_ctl"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
