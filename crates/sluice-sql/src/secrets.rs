//! Secrets in scripts: the values of `WITH` options whose key names a credential
//! (`password`, `secret`, `token`, `sasl.jaas.config`, ...). Whatever Sluice prints about
//! a script (error excerpts and messages, hints) goes through `mask`, which overwrites
//! every such value with asterisks of the same width, so carets under an excerpt still
//! line up.

/// Whether an option key names a credential.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token", "jaas", "credential", "private"].iter().any(|w| key.contains(w))
}

/// The values of secret options in `source`: each `'key' = 'value'` whose key is a
/// secret's, and the `password="..."` inside a JAAS configuration.
pub fn secret_values(source: &str) -> Vec<String> {
    let strings = quoted_strings(source);
    let mut secrets = Vec::new();
    for pair in strings.windows(2) {
        let (key, value) = (&pair[0], &pair[1]);
        let between = source.get(key.end..value.start).unwrap_or("");
        if between.trim() == "=" && is_secret_key(&key.text) && !value.text.is_empty() {
            for (name, inner) in jaas_values(&value.text) {
                if is_secret_key(name) && !inner.is_empty() {
                    secrets.push(inner.to_string());
                }
            }
            secrets.push(value.text.clone());
        }
    }
    // Longest first, so that a password inside a longer value is not masked alone first.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

/// `text` with every occurrence of each secret (also as written in SQL, quotes doubled)
/// replaced by asterisks of the same character count.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        for form in [secret.clone(), secret.replace('\'', "''")] {
            if out.contains(&form) {
                out = out.replace(&form, &"*".repeat(form.chars().count()));
            }
        }
    }
    out
}

/// A single-quoted SQL string: its text (quotes undoubled) and its byte range, quotes
/// included.
struct Quoted {
    text: String,
    start: usize,
    end: usize,
}

/// The single-quoted strings of `source`, outside `--` comments.
fn quoted_strings(source: &str) -> Vec<Quoted> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                let start = i;
                let mut text = String::new();
                i += 1;
                let mut from = i;
                loop {
                    match bytes.get(i) {
                        None => {
                            text.push_str(&source[from..]);
                            break;
                        }
                        Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => {
                            text.push_str(&source[from..=i]);
                            i += 2;
                            from = i;
                        }
                        Some(b'\'') => {
                            text.push_str(&source[from..i]);
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                out.push(Quoted { text, start, end: i });
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `name="value"` pairs of a JAAS configuration line.
fn jaas_values(config: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = config;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(|c: char| c.is_whitespace()).next().unwrap_or("");
        let after = &rest[eq + 2..];
        let Some(close) = after.find('"') else { break };
        out.push((name, &after[..close]));
        rest = &after[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_option_values_are_found_and_masked_to_the_same_width() {
        let sql = "CREATE TABLE k (id INT) WITH ('connector' = 'kafka', 'properties.sasl.jaas.config' =\n  \
                   'org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"hun''ter2\";',\n  \
                   'password' = 's3cret', 'token'='tok', 'topic' = 'password', -- 'secret' = 'in a comment'\n  'username' = 'bob');";
        let secrets = secret_values(sql);
        assert!(secrets.contains(&"s3cret".to_string()) && secrets.contains(&"tok".to_string()), "{secrets:?}");
        assert!(secrets.contains(&"hun'ter2".to_string()), "{secrets:?}");
        assert!(!secrets.iter().any(|s| s == "password" || s == "bob" || s == "kafka" || s == "in a comment"), "{secrets:?}");
        let masked = mask(sql, &secrets);
        for secret in ["s3cret", "hun''ter2", "'tok'"] {
            assert!(!masked.contains(secret), "{masked}");
        }
        assert_eq!(masked.chars().count(), sql.chars().count());
        assert!(masked.contains("'username' = 'bob'") && masked.contains("'topic' = 'password'"));
    }
}
