//! The HTTP side: `POST /_bulk` with an NDJSON body to one of the `hosts` (the next one
//! after a connection failure), with basic authentication, retried per the backoff
//! options, and the per-item results of the answer.

use std::time::Duration;

use base64::Engine;
use sluice_connector_api::ConnectorError;

use super::config::{Backoff, OpenSearchConfig};

/// The result of one action of a bulk request, from the server's `items`.
#[derive(Clone, Debug)]
pub struct ItemResult {
    pub status: u16,
    pub index: String,
    pub id: String,
    /// `(error.type, error.reason)` when the server rejected the action.
    pub error: Option<(String, String)>,
}

/// Sends bulk requests to the configured hosts.
pub struct BulkClient {
    connector: &'static str,
    agent: ureq::Agent,
    hosts: Vec<String>,
    next_host: usize,
    authorization: Option<String>,
    backoff: Backoff,
}

impl BulkClient {
    pub fn new(config: &OpenSearchConfig) -> Result<BulkClient, ConnectorError> {
        let connector = config.tls.connector().map_err(|reason| ConnectorError::InvalidOption {
            key: super::config::CA_OPTION.into(),
            value: String::new(),
            reason,
        })?;
        let mut builder = ureq::AgentBuilder::new().tls_connector(std::sync::Arc::new(connector));
        if let Some(t) = config.request_timeout {
            builder = builder.timeout(t);
        } else {
            builder = builder.timeout(Duration::from_secs(60));
        }
        if let Some(t) = config.connect_timeout {
            builder = builder.timeout_connect(t);
        }
        let authorization = config.credentials.as_ref().map(|(user, password)| {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            format!("Basic {token}")
        });
        Ok(BulkClient {
            connector: config.flavor.name(),
            agent: builder.build(),
            hosts: config.hosts.clone(),
            next_host: 0,
            authorization,
            backoff: config.backoff,
        })
    }

    /// Sends `body` (NDJSON actions) and returns one result per action. A failed
    /// connection, a 5xx or a 429 answer for the whole request is retried per the
    /// backoff options (on the next host); any other failure is an error at once.
    pub fn bulk(&mut self, body: &[u8]) -> Result<Vec<ItemResult>, ConnectorError> {
        let mut attempt = 0u32;
        loop {
            let host = self.hosts[self.next_host % self.hosts.len()].clone();
            let url = format!("{host}/_bulk");
            let mut request = self.agent.post(&url).set("Content-Type", "application/x-ndjson");
            if let Some(auth) = &self.authorization {
                request = request.set("Authorization", auth);
            }
            let failure = match request.send_bytes(body) {
                Ok(response) => {
                    let text = response
                        .into_string()
                        .map_err(|e| ConnectorError::io(format!("reading the bulk answer of {} at \"{host}\"", self.connector), e))?;
                    return parse_bulk_answer(&text).map_err(|reason| {
                        ConnectorError::External(format!("{} at \"{host}\" sent an unreadable bulk answer: {reason}", self.connector))
                    });
                }
                Err(ureq::Error::Status(status, response)) => {
                    let text = response.into_string().unwrap_or_default();
                    let detail = format!("HTTP {status}: {}", shorten(&text));
                    if status == 401 || status == 403 {
                        return Err(ConnectorError::Credentials(format!(
                            "{} at \"{host}\" refused the login with {detail}. Check \"username\" and \"password\".",
                            self.connector
                        )));
                    }
                    if status != 429 && status < 500 {
                        return Err(ConnectorError::External(format!(
                            "{} at \"{host}\" refused the bulk request with {detail}. Check \"hosts\", \"connection.path-prefix\", \"username\" and \"password\".",
                            self.connector
                        )));
                    }
                    detail
                }
                Err(ureq::Error::Transport(t)) => {
                    let text = crate::error_chain(&t);
                    if text.contains("certificate") || text.contains("handshake") {
                        // Retrying will not make the certificate trusted.
                        return Err(ConnectorError::Credentials(format!(
                            "cannot set up TLS with {} at \"{host}\": {text}. The server's certificate is not \
                             trusted: add its CA with '{}' (or SSL_CERT_FILE), or set 'allow-insecure' = 'true' \
                             to skip the check.",
                            self.connector,
                            super::config::CA_OPTION
                        )));
                    }
                    self.next_host += 1;
                    text
                }
            };
            attempt += 1;
            if attempt > self.backoff.max_retries() {
                let retries = if attempt > 1 { format!(" after {} retries", attempt - 1) } else { String::new() };
                return Err(ConnectorError::External(format!(
                    "cannot write to {} at \"{host}\"{retries}: {failure}. Check that the server is up and that \"hosts\" names it; \"sink.bulk-flush.backoff.strategy\" retries failed requests.",
                    self.connector
                )));
            }
            let delay = self.backoff.delay(attempt);
            tracing::warn!(target: "sluice::opensearch",
                "{}: bulk request to \"{host}\" failed ({failure}); retry {attempt} of {} in {} ms",
                self.connector,
                self.backoff.max_retries(),
                delay.as_millis()
            );
            std::thread::sleep(delay);
        }
    }
}

/// Reads `items` from a `_bulk` answer.
fn parse_bulk_answer(text: &str) -> Result<Vec<ItemResult>, String> {
    let answer: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let items = answer.get("items").and_then(|i| i.as_array()).ok_or("no \"items\" in the answer")?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(result) = item.as_object().and_then(|o| o.values().next()) else {
            return Err(format!("unexpected item {}", shorten(&item.to_string())));
        };
        let status = result.get("status").and_then(|s| s.as_u64()).unwrap_or(0);
        let text_of = |key: &str| result.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let error = result.get("error").filter(|e| !e.is_null()).map(|e| match e {
            serde_json::Value::String(s) => (String::new(), s.clone()),
            other => {
                let t = other.get("type").and_then(|v| v.as_str()).unwrap_or("").to_string();
                let r = other.get("reason").and_then(|v| v.as_str()).unwrap_or("").to_string();
                (t, r)
            }
        });
        out.push(ItemResult { status: u16::try_from(status).unwrap_or(0), index: text_of("_index"), id: text_of("_id"), error });
    }
    Ok(out)
}

/// The first 500 characters of a server's answer, for messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(500) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_item_errors() {
        let answer = r#"{"errors":true,"items":[{"index":{"_id":"a","_index":"m","status":201}},
            {"index":{"_id":"b","_index":"m","status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}},
            {"delete":{"_id":"c","_index":"m","status":404,"result":"not_found"}}]}"#;
        let items = parse_bulk_answer(answer).unwrap();
        assert_eq!(items.len(), 3);
        assert!(items[0].error.is_none());
        assert_eq!(items[1].error, Some(("mapper_parsing_exception".to_string(), "bad".to_string())));
        assert_eq!(items[2].status, 404);
        assert!(items[2].error.is_none());
        assert!(parse_bulk_answer("{}").is_err());
    }
}
