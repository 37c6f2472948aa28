//! Finding service binaries and free ports.

use std::net::TcpListener;
use std::path::PathBuf;

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener.local_addr().expect("local address of a bound socket").port()
}

/// Where the tool `name` is: the path in the environment variable `env` if set, else
/// `~/.cache/sluice-tools/bin/<name>` (where `scripts/test.sh` installs it), else the
/// first `<name>` on `PATH`.
pub fn tool_path(name: &str, env: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let p = PathBuf::from(home).join(".cache/sluice-tools/bin").join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}
