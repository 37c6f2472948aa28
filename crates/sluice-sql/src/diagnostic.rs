use std::fmt::Write;

use crate::span::{line_col, Span};

/// Whose fault an error is, so that the user knows what to do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Bad SQL, a bad option, a bad type: the user fixes the script.
    User,
    /// Something outside (a file, a server) failed: retrying may help.
    External,
    /// A bug in Sluice.
    Internal,
}

/// A user-facing error that points at the script: a message, an optional span with a
/// label under the caret, and an optional hint.
///
/// Style: the message is lowercase with no trailing period and identifiers in double
/// quotes; the hint is a full sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub class: ErrorClass,
    pub message: String,
    pub span: Option<Span>,
    /// Short text printed after the carets, e.g. `did you mean "usage"?`.
    pub label: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn user(message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            class: ErrorClass::User,
            message: message.into(),
            span: Some(span),
            label: None,
            hint: None,
        }
    }

    pub fn without_span(class: ErrorClass, message: impl Into<String>) -> Self {
        Diagnostic { class, message: message.into(), span: None, label: None, hint: None }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders the diagnostic the way rustc does:
    ///
    /// ```text
    /// error: column "usge" not found in table "iot_in"
    ///   --> pipeline.sql:3:42
    ///    |
    ///  3 | insert into alerts select hostname, usge from iot_in
    ///    |                                     ^^^^ did you mean "usage"?
    ///    = hint: ...
    /// ```
    pub fn render(&self, file_name: &str, source: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "error: {}", self.message);
        if let Some(span) = self.span {
            let (line, col) = line_col(source, span.start);
            let line_text = source.lines().nth(line - 1).unwrap_or("");
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {file_name}:{line}:{col}");
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{line} | {line_text}");
            // Carets under the spanned text, clipped to the first line of the span.
            let line_chars = line_text.chars().count();
            let span_chars = source
                .get(span.start as usize..(span.end as usize).min(source.len()))
                .map(|s| s.split('\n').next().unwrap_or("").chars().count())
                .unwrap_or(1);
            let width = span_chars.clamp(1, line_chars.saturating_sub(col - 1).max(1));
            let indent: String = line_text
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = write!(out, "{pad} | {indent}{}", "^".repeat(width));
            if let Some(label) = &self.label {
                let _ = write!(out, " {label}");
            }
            out.push('\n');
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        // Never print a credential the script holds, in the excerpt or in a message that
        // quotes an option's value.
        crate::secrets::mask(&out, &crate::secrets::secret_values(source))
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span() {
        let src = "select 1;\ninsert into alerts select hostname, usge from iot_in";
        let start = src.find("usge").unwrap();
        let d = Diagnostic::user("column \"usge\" not found in table \"iot_in\"", Span::new(start, start + 4))
            .with_label("did you mean \"usage\"?");
        let text = d.render("pipeline.sql", src);
        assert!(text.contains("--> pipeline.sql:2:37"), "{text}");
        assert!(text.contains("                                    ^^^^ did you mean"), "{text}");
    }
}
