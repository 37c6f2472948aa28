//! Java truststores read into the PEM text librdkafka takes as `ssl.ca.pem`, so the
//! `client.truststore.jks` that Kafka's and Aiven's guides make with `keytool` works as
//! it is. As Java does, the format is found from the file itself (JKS, PKCS12 or PEM),
//! whatever `ssl.truststore.type` says.
//!
//! A JKS file is: the magic `FEEDFEED`, a version (1 or 2), an entry count, the entries
//! (a tag, an alias, a timestamp, then a certificate, or an encrypted key and its chain),
//! and a SHA-1 digest of the password (UTF-16BE), the words "Mighty Aphrodite" and all
//! the bytes before it. Only trusted-certificate entries are read.

use base64::Engine;
use sha1::{Digest, Sha1};
use sluice_connector_api::ConnectorError;

const KEY: &str = "properties.ssl.truststore.location";
const JKS_MAGIC: u32 = 0xFEED_FEED;
const TRUSTED_CERTIFICATE: u32 = 2;
const PRIVATE_KEY: u32 = 1;

/// How a truststore file is held.
#[derive(Debug, PartialEq, Eq)]
pub enum Truststore {
    /// A PEM file librdkafka reads itself (`ssl.ca.location`).
    Pem,
    /// The CA certificates of a Java store, as PEM text (`ssl.ca.pem`).
    Certificates(String),
}

/// Reads the truststore at `path`; `password` checks a JKS file's integrity and opens a
/// PKCS12 one.
pub fn read(path: &str, password: Option<&str>) -> Result<Truststore, ConnectorError> {
    let bytes = std::fs::read(path).map_err(|e| ConnectorError::InvalidOption {
        key: KEY.into(),
        value: path.into(),
        reason: format!("cannot read the truststore: {e}"),
    })?;
    if bytes.starts_with(b"-----BEGIN") || bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        return Ok(Truststore::Pem);
    }
    let certificates = if bytes.starts_with(&JKS_MAGIC.to_be_bytes()) {
        jks_certificates(&bytes, password).map_err(|reason| invalid(path, reason))?
    } else {
        pkcs12_certificates(&bytes, password).map_err(|reason| invalid(path, reason))?
    };
    if certificates.is_empty() {
        return Err(invalid(path, "the truststore holds no trusted certificate".into()));
    }
    Ok(Truststore::Certificates(certificates.iter().map(|der| pem(der)).collect()))
}

fn invalid(path: &str, reason: String) -> ConnectorError {
    ConnectorError::InvalidOption { key: KEY.into(), value: path.into(), reason }
}

/// The DER certificates of a JKS file's trusted-certificate entries.
fn jks_certificates(bytes: &[u8], password: Option<&str>) -> Result<Vec<Vec<u8>>, String> {
    let body_len = bytes.len().checked_sub(20).ok_or("the JKS file is truncated")?;
    let (body, digest) = bytes.split_at(body_len);
    if let Some(password) = password {
        let mut hash = Sha1::new();
        let utf16: Vec<u8> = password.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        hash.update(&utf16);
        hash.update(b"Mighty Aphrodite");
        hash.update(body);
        if hash.finalize().as_slice() != digest {
            return Err("the JKS file's integrity check failed: the password ('properties.ssl.truststore.password') \
                        is wrong or the file is damaged"
                .into());
        }
    }
    let mut r = Reader { bytes: body, at: 0 };
    r.u32()?; // magic
    let version = r.u32()?;
    if version != 1 && version != 2 {
        return Err(format!("unknown JKS version {version}"));
    }
    let count = r.u32()?;
    let mut certificates = Vec::new();
    for _ in 0..count {
        let tag = r.u32()?;
        r.utf()?; // alias
        r.take(8)?; // timestamp
        match tag {
            TRUSTED_CERTIFICATE => certificates.push(r.certificate(version)?.to_vec()),
            PRIVATE_KEY => {
                let key_len = r.u32()? as usize;
                r.take(key_len)?;
                for _ in 0..r.u32()? {
                    r.certificate(version)?;
                }
            }
            other => return Err(format!("unknown JKS entry tag {other}")),
        }
    }
    Ok(certificates)
}

/// A cursor over a JKS file; every read is checked against its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len()).ok_or("the JKS file is truncated")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn utf(&mut self) -> Result<&'a [u8], String> {
        let b = self.take(2)?;
        self.take(u16::from_be_bytes([b[0], b[1]]) as usize)
    }

    /// A certificate: its type name (version 2 only), then its DER bytes.
    fn certificate(&mut self, version: u32) -> Result<&'a [u8], String> {
        if version == 2 {
            let kind = self.utf()?;
            if kind != b"X.509" {
                return Err(format!("a {} certificate, not X.509", String::from_utf8_lossy(kind)));
            }
        }
        let len = self.u32()? as usize;
        self.take(len)
    }
}

/// The DER certificates of a PKCS12 file (a Java PKCS12 truststore keeps them as
/// certificate bags without a key).
fn pkcs12_certificates(bytes: &[u8], password: Option<&str>) -> Result<Vec<Vec<u8>>, String> {
    let store = openssl::pkcs12::Pkcs12::from_der(bytes)
        .map_err(|_| "the file is neither a PEM, a JKS nor a PKCS12 truststore".to_string())?;
    let parsed = store.parse2(password.unwrap_or("")).map_err(|_| {
        "cannot open the PKCS12 truststore: the password ('properties.ssl.truststore.password') is wrong or the \
         file is damaged"
            .to_string()
    })?;
    let mut certificates = Vec::new();
    let key_certificate = parsed.cert.as_deref();
    for cert in key_certificate.into_iter().chain(parsed.ca.iter().flatten()) {
        certificates.push(cert.to_der().map_err(|e| format!("cannot read a certificate of the truststore: {e}"))?);
    }
    Ok(certificates)
}

/// One certificate as PEM text.
fn pem(der: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JKS file with the given entries, and its digest under `password`.
    fn jks(entries: &[(u32, &[u8])], password: &str) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(JKS_MAGIC.to_be_bytes());
        b.extend(2u32.to_be_bytes());
        b.extend((entries.len() as u32).to_be_bytes());
        for (i, (tag, der)) in entries.iter().enumerate() {
            b.extend(tag.to_be_bytes());
            let alias = format!("alias{i}");
            b.extend((alias.len() as u16).to_be_bytes());
            b.extend(alias.as_bytes());
            b.extend(0u64.to_be_bytes());
            if *tag == PRIVATE_KEY {
                b.extend(3u32.to_be_bytes());
                b.extend([1, 2, 3]);
                b.extend(1u32.to_be_bytes());
            }
            b.extend(5u16.to_be_bytes());
            b.extend(b"X.509");
            b.extend((der.len() as u32).to_be_bytes());
            b.extend(*der);
        }
        let mut hash = Sha1::new();
        hash.update(password.encode_utf16().flat_map(|u| u.to_be_bytes()).collect::<Vec<u8>>());
        hash.update(b"Mighty Aphrodite");
        hash.update(&b);
        b.extend(hash.finalize());
        b
    }

    #[test]
    fn trusted_certificates_are_read_and_key_entries_skipped() {
        let file = jks(&[(TRUSTED_CERTIFICATE, b"ca-one"), (PRIVATE_KEY, b"chain"), (TRUSTED_CERTIFICATE, b"ca-two")], "pw");
        assert_eq!(jks_certificates(&file, Some("pw")).unwrap(), vec![b"ca-one".to_vec(), b"ca-two".to_vec()]);
        assert_eq!(jks_certificates(&file, None).unwrap().len(), 2);
        let wrong = jks_certificates(&file, Some("not-it")).unwrap_err();
        assert!(wrong.contains("integrity") && !wrong.contains("not-it"), "{wrong}");
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let file = jks(&[(TRUSTED_CERTIFICATE, b"ca-one"), (PRIVATE_KEY, b"chain")], "pw");
        for len in 0..file.len() {
            assert!(jks_certificates(&file[..len], None).is_err(), "length {len}");
        }
    }

    #[test]
    fn pem_lines_are_64_characters() {
        let text = pem(&[7u8; 100]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
    }
}
