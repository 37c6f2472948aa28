//! Aggregate functions and their state (placeholder: being written).
