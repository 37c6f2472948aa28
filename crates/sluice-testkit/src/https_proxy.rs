//! An HTTPS front for a plain-HTTP test server that has no TLS of its own (`osmem-server`):
//! it terminates TLS with the server certificate of `Certificates`, checks HTTP basic
//! authentication as a managed OpenSearch does, and forwards each request to the server.
//!
//! This is a stand-in, said so where it is used: the TLS handshake and the `Authorization`
//! header are checked here, not by OpenSearch itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine;
use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};

use crate::tls::Certificates;

/// An HTTPS listener on a free loopback port, forwarding to `127.0.0.1:<target>`; stopped
/// on drop.
pub struct HttpsProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    refused: Arc<AtomicU64>,
}

impl HttpsProxy {
    /// Starts a proxy to `target_port` that accepts requests carrying basic
    /// authentication for `username`/`password` and answers others with 401.
    pub fn start(target_port: u16, certs: &Certificates, username: &str, password: &str) -> HttpsProxy {
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("an OpenSSL acceptor");
        acceptor.set_private_key_file(certs.path("server.key"), SslFiletype::PEM).expect("the server key");
        acceptor.set_certificate_chain_file(certs.path("server.pem")).expect("the server certificate");
        let acceptor = Arc::new(acceptor.build());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy's port");
        let port = listener.local_addr().expect("the proxy's address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let refused = Arc::new(AtomicU64::new(0));
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
        );
        let (stop_flag, refused_count) = (stop.clone(), refused.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (acceptor, expected, refused) = (acceptor.clone(), expected.clone(), refused_count.clone());
                std::thread::spawn(move || {
                    // A client that gives up on the handshake (an untrusted certificate)
                    // just ends this connection.
                    if let Ok(tls) = acceptor.accept(stream) {
                        serve(tls, target_port, &expected, &refused);
                    }
                });
            }
        });
        HttpsProxy { port, stop, refused }
    }

    /// `https://localhost:PORT`, for the `hosts` option.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// How many requests were answered 401 for a missing or wrong `Authorization`.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

impl Drop for HttpsProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accepting thread so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Answers the requests of one connection, one at a time, until it closes.
fn serve<S: Read + Write>(stream: S, target_port: u16, expected: &str, refused: &AtomicU64) {
    let mut client = BufReader::new(stream);
    while let Some((head, body)) = read_request(&mut client) {
        let authorized = head
            .lines()
            .any(|l| l.split_once(':').is_some_and(|(k, v)| k.eq_ignore_ascii_case("authorization") && v.trim() == expected));
        let answer = if authorized {
            forward(&head, &body, target_port)
        } else {
            refused.fetch_add(1, Ordering::Relaxed);
            let body = r#"{"error":"Unauthorized","status":401}"#;
            Some(
                format!(
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"test\"\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes(),
            )
        };
        let Some(answer) = answer else { return };
        if client.get_mut().write_all(&answer).and_then(|_| client.get_mut().flush()).is_err() {
            return;
        }
    }
}

/// One request: its head (request line and headers, with `Connection: close`) and body.
fn read_request<R: BufRead>(client: &mut R) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if client.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
            if k.eq_ignore_ascii_case("connection") {
                continue;
            }
        }
        head.push_str(&line);
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    client.read_exact(&mut body).ok()?;
    Some((head, body))
}

/// Sends the request to the server and returns its whole answer (the server closes the
/// connection after it, as the request asks).
fn forward(head: &str, body: &[u8], target_port: u16) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", target_port)).ok()?;
    server.write_all(head.as_bytes()).ok()?;
    server.write_all(body).ok()?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).ok()?;
    Some(answer)
}
