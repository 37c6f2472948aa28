//! Shared option parsing for connectors (durations, booleans, sizes) in Flink's syntax.
