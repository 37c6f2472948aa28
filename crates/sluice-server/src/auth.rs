//! Bearer tokens: created once (only their SHA-256 is stored), scoped `read` or `write`.

use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
}

pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a new token and stores its digest; the token itself is returned once.
pub fn create_token(store: &Store, scope: Scope) -> Result<String, StoreError> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("sluice_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    store.add_token(&digest(&token), scope.as_str())?;
    Ok(token)
}

/// The scope of a presented token, if it is one of ours.
pub fn check(store: &Store, token: &str) -> Result<Option<Scope>, StoreError> {
    Ok(store.token_scope(&digest(token))?.as_deref().and_then(Scope::parse))
}
