//! Certificates for tests of secure connections, made with the `openssl` command line
//! (and Java's `keytool` for the Java stores) in a temp folder, removed on drop.
//!
//! The files are the ones a user of a managed service has: Aiven's
//! `avn service user-creds-download` gives `ca.pem`, `service.cert` and `service.key`,
//! and its Java guide turns them into `client.keystore.p12` and `client.truststore.jks`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The password of every Java store made here.
pub const STORE_PASSWORD: &str = "store-Pa55word";

/// A certificate authority, a server certificate for `localhost`/`127.0.0.1` signed by
/// it, and a client certificate signed by it, in every form the tests need.
pub struct Certificates {
    dir: PathBuf,
}

impl Certificates {
    /// Makes a fresh set; panics with openssl's output when a step fails.
    pub fn generate() -> Certificates {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sluice-tls-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let certificates = Certificates { dir };
        certificates.make();
        certificates
    }

    fn make(&self) {
        let d = &self.dir;
        openssl(d, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=Sluice test CA"]);
        std::fs::write(d.join("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").expect("write server.ext");
        for (name, subject, ext) in [("server", "/CN=localhost", Some("server.ext")), ("service", "/CN=avnadmin", None)] {
            let key = format!("{name}.key");
            let csr = format!("{name}.csr");
            openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj", subject]);
            let cert = if name == "service" { "service.cert".to_string() } else { format!("{name}.pem") };
            let mut args = vec!["x509", "-req", "-in", &csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", &cert, "-days", "3650"];
            if let Some(ext) = ext {
                args.extend(["-extfile", ext]);
            }
            openssl(d, &args);
        }
        // The server's key and certificate in one PEM file, as Kafka's PEM keystore wants.
        let key = std::fs::read_to_string(d.join("server.key")).expect("read server.key");
        let cert = std::fs::read_to_string(d.join("server.pem")).expect("read server.pem");
        std::fs::write(d.join("server-keystore.pem"), key + &cert).expect("write server-keystore.pem");
        // The client's, likewise, for a Java PEM keystore.
        let key = std::fs::read_to_string(d.join("service.key")).expect("read service.key");
        let cert = std::fs::read_to_string(d.join("service.cert")).expect("read service.cert");
        std::fs::write(d.join("client.keystore.pem"), cert + &key).expect("write client.keystore.pem");
        let pass = format!("pass:{STORE_PASSWORD}");
        openssl(d, &["pkcs12", "-export", "-in", "service.cert", "-inkey", "service.key", "-name", "service_key", "-out", "client.keystore.p12", "-passout", &pass]);
    }

    /// Makes the Java truststores `client.truststore.jks` and `client.truststore.p12` with
    /// `keytool` (which the Kafka tests need anyway, with Java 17), holding the CA.
    pub fn with_java_truststores(self) -> Certificates {
        for (file, kind) in [("client.truststore.jks", "JKS"), ("client.truststore.p12", "PKCS12")] {
            let output = Command::new(keytool())
                .current_dir(&self.dir)
                .args(["-importcert", "-noprompt", "-alias", "CA", "-file", "ca.pem", "-keystore", file])
                .args(["-storetype", kind, "-storepass", STORE_PASSWORD])
                .output()
                .expect("run keytool");
            assert!(output.status.success(), "keytool failed for {file}:\n{}", String::from_utf8_lossy(&output.stderr));
        }
        self
    }

    /// The path of one of the files: `ca.pem`, `server.pem`, `server.key`,
    /// `server-keystore.pem`, `service.cert`, `service.key`, `client.keystore.pem`,
    /// `client.keystore.p12` (password `STORE_PASSWORD`), and after
    /// `with_java_truststores`, `client.truststore.jks` and `client.truststore.p12`.
    pub fn path(&self, file: &str) -> PathBuf {
        let path = self.dir.join(file);
        assert!(path.is_file(), "no certificate file {file} in {}", self.dir.display());
        path
    }

    /// `path` as a string, for SQL options.
    pub fn file(&self, file: &str) -> String {
        self.path(file).display().to_string()
    }
}

impl Drop for Certificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("the TLS tests need the openssl command (Debian: openssl): {e}"));
    assert!(
        output.status.success(),
        "openssl {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Java's `keytool`, beside the `java` the Kafka tests use.
fn keytool() -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let keytool = PathBuf::from(home).join("bin/keytool");
        if keytool.is_file() {
            return keytool;
        }
    }
    crate::process::tool_path("keytool", "SLUICE_KEYTOOL")
        .unwrap_or_else(|| panic!("the Java truststore tests need keytool from Java 17 (Debian: openjdk-17-jre-headless)"))
}
