//! Where log events go. The engine's crates log through `tracing` (outages and retries,
//! checkpoints resumed, rows a sink ignored); this sets the one subscriber for the whole
//! process, on stderr:
//! - `text` (the default): `[sluice] <message>` lines, as a person reads them, and with a
//!   timestamp and level for `sluice server`, which runs for long;
//! - `json`: one JSON object per event (`timestamp`, `level`, `target`, `message`), for a
//!   supervisor or a log shipper.
//!
//! `RUST_LOG` filters as usual (`RUST_LOG=warn`, `RUST_LOG=sluice::kafka=debug`); the
//! default shows `info` and above. Progress lines and job summaries are not log events:
//! `sluice run` prints them itself (`--quiet` drops them).

use std::fmt;

use clap::ValueEnum;
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for people
    #[default]
    Text,
    /// One JSON object per line, for supervisors and log shippers
    Json,
}

/// How text lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextStyle {
    /// `[sluice] message`: commands a person runs and watches.
    Short,
    /// Timestamp, level and message: the long-running server.
    Timestamped,
}

/// Installs the process's subscriber. Called once, before any command runs.
pub fn init(format: LogFormat, style: TextStyle) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second call (there is none) would fail; logging is not worth a crash then.
    let _ = match (format, style) {
        (LogFormat::Json, _) => builder.json().flatten_event(true).with_current_span(false).try_init(),
        (LogFormat::Text, TextStyle::Short) => builder.event_format(Short).try_init(),
        (LogFormat::Text, TextStyle::Timestamped) => {
            builder.with_target(false).with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).try_init()
        }
    };
}

/// `[sluice] message field=value ...`.
struct Short;

impl<S, N> FormatEvent<S, N> for Short
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        write!(writer, "[sluice] ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
