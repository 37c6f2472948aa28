//! `NexmarkConfig`: the `nexmark` connector's options, named and defaulted as the Nexmark
//! suite's `NexmarkSourceOptions`, plus what Sluice adds to make the stream reproducible.
//!
//! Upstream options: `first-event.rate` (10000 events per second, across all generators),
//! `next-event.rate`, `rate.shape` and `rate.period` (accepted; upstream's generator only
//! uses the first rate), `rate.limited`, `max-emit-speed` (default `true`: as fast as
//! possible; `false` emits at the event rate), `person.avg-size` (200b), `auction.avg-size`
//! (500b), `bid.avg-size` (100b), `person.proportion` (1), `auction.proportion` (3),
//! `bid.proportion` (46), `bid.hot-ratio.auctions` (2), `bid.hot-ratio.bidders` (4),
//! `auction.hot-ratio.sellers` (4), `events.num` (0: unbounded), `keep-alive`, `stop-at`.
//!
//! Sluice's own: `num.event.generators` (the generators whose timelines the stream splits
//! into; upstream takes the job's parallelism, and so does Sluice by default),
//! `base-time` (the first event's time, epoch milliseconds; upstream takes the time the
//! job is planned, and so does Sluice by default) and `seed` (upstream seeds its random
//! choices from the clock; Sluice from `seed`, default 0, so a bounded stream is the
//! same on every run). The aliases `avg-person.byte.size`, `avg-auction.byte.size` and
//! `avg-bid.byte.size` are accepted for the three sizes.

use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_types::{DataType, TypeKind};

use crate::options::{check_known_keys, get_parsed, invalid, parse_bool, parse_duration, parse_memory_size};

pub(crate) const CONNECTOR: &str = "nexmark";

const KNOWN_KEYS: &[&str] = &[
    "rate.shape",
    "rate.period",
    "rate.limited",
    "first-event.rate",
    "next-event.rate",
    "person.avg-size",
    "auction.avg-size",
    "bid.avg-size",
    "avg-person.byte.size",
    "avg-auction.byte.size",
    "avg-bid.byte.size",
    "person.proportion",
    "auction.proportion",
    "bid.proportion",
    "bid.hot-ratio.auctions",
    "bid.hot-ratio.bidders",
    "auction.hot-ratio.sellers",
    "events.num",
    "keep-alive",
    "stop-at",
    "max-emit-speed",
    "num.event.generators",
    "base-time",
    "seed",
];

/// Everything the generator needs, read from a table's options.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NexmarkConfig {
    pub first_event_rate: i32,
    pub person_proportion: i32,
    pub auction_proportion: i32,
    pub bid_proportion: i32,
    pub avg_person_byte_size: i32,
    pub avg_auction_byte_size: i32,
    pub avg_bid_byte_size: i32,
    pub hot_auction_ratio: i32,
    pub hot_bidders_ratio: i32,
    pub hot_sellers_ratio: i32,
    /// `events.num`: 0 means unbounded.
    pub num_events: i64,
    pub keep_alive: bool,
    /// `stop-at`: -1 means not set.
    pub stop_at: i64,
    pub max_emit_speed: bool,
    /// `None`: one generator per source instance, as upstream.
    pub num_event_generators: Option<usize>,
    /// `None`: the time the source starts.
    pub base_time: Option<i64>,
    pub seed: i64,
}

impl Default for NexmarkConfig {
    fn default() -> Self {
        NexmarkConfig {
            first_event_rate: 10_000,
            person_proportion: 1,
            auction_proportion: 3,
            bid_proportion: 46,
            avg_person_byte_size: 200,
            avg_auction_byte_size: 500,
            avg_bid_byte_size: 100,
            hot_auction_ratio: 2,
            hot_bidders_ratio: 4,
            hot_sellers_ratio: 4,
            num_events: 0,
            keep_alive: false,
            stop_at: -1,
            max_emit_speed: true,
            num_event_generators: None,
            base_time: None,
            seed: 0,
        }
    }
}

fn parse_i64(text: &str) -> Result<i64, String> {
    text.trim().parse::<i64>().map_err(|_| "expected a whole number".to_string())
}

/// A whole number of at least `min` that fits Java's `int`, as upstream's option type.
fn int_at_least(table: &TableSpec, key: &str, min: i32, default: i32) -> Result<i32, ConnectorError> {
    match get_parsed(&table.options, key, parse_i64)? {
        None => Ok(default),
        Some(v) if v >= min as i64 && v <= i32::MAX as i64 => Ok(v as i32),
        Some(_) => Err(invalid(
            key,
            &table.options[key],
            format!("expected a whole number from {min} to {}", i32::MAX),
        )),
    }
}

/// A memory size under either of two keys, in bytes, as a Java `int`.
fn size(table: &TableSpec, key: &str, alias: &str, default: i32) -> Result<i32, ConnectorError> {
    let key = if table.options.contains_key(key) { key } else { alias };
    match get_parsed(&table.options, key, parse_memory_size)? {
        None => Ok(default),
        Some(v) if v <= i32::MAX as u64 => Ok(v as i32),
        Some(_) => Err(invalid(key, &table.options[key], "the size must be under 2 gb")),
    }
}

impl NexmarkConfig {
    /// Reads and checks the options of `table`, and that its columns are the Nexmark
    /// event's (see `check_schema`).
    pub(crate) fn from_table(table: &TableSpec) -> Result<Self, ConnectorError> {
        check_known_keys(CONNECTOR, &table.options, KNOWN_KEYS)?;
        check_schema(table)?;
        let options = &table.options;
        if let Some(shape) = options.get("rate.shape") {
            if !matches!(shape.trim().to_ascii_uppercase().as_str(), "SQUARE" | "SINE") {
                return Err(invalid("rate.shape", shape, "expected \"SQUARE\" or \"SINE\""));
            }
        }
        get_parsed(options, "rate.period", parse_duration)?;
        get_parsed(options, "rate.limited", parse_bool)?;
        int_at_least(table, "next-event.rate", 1, 10_000)?;
        let defaults = NexmarkConfig::default();
        let num_events = get_parsed(options, "events.num", parse_i64)?.unwrap_or(0);
        if num_events < 0 {
            return Err(invalid("events.num", &options["events.num"], "expected 0 (unbounded) or more"));
        }
        let generators = get_parsed(options, "num.event.generators", parse_i64)?;
        if let Some(g) = generators {
            if !(1..=1024).contains(&g) {
                return Err(invalid(
                    "num.event.generators",
                    &options["num.event.generators"],
                    "expected a number of generators from 1 to 1024",
                ));
            }
        }
        Ok(NexmarkConfig {
            first_event_rate: int_at_least(table, "first-event.rate", 1, defaults.first_event_rate)?,
            person_proportion: int_at_least(table, "person.proportion", 1, defaults.person_proportion)?,
            auction_proportion: int_at_least(table, "auction.proportion", 1, defaults.auction_proportion)?,
            bid_proportion: int_at_least(table, "bid.proportion", 0, defaults.bid_proportion)?,
            avg_person_byte_size: size(table, "person.avg-size", "avg-person.byte.size", 200)?,
            avg_auction_byte_size: size(table, "auction.avg-size", "avg-auction.byte.size", 500)?,
            avg_bid_byte_size: size(table, "bid.avg-size", "avg-bid.byte.size", 100)?,
            hot_auction_ratio: int_at_least(table, "bid.hot-ratio.auctions", 1, defaults.hot_auction_ratio)?,
            hot_bidders_ratio: int_at_least(table, "bid.hot-ratio.bidders", 1, defaults.hot_bidders_ratio)?,
            hot_sellers_ratio: int_at_least(table, "auction.hot-ratio.sellers", 1, defaults.hot_sellers_ratio)?,
            num_events,
            keep_alive: get_parsed(options, "keep-alive", parse_bool)?.unwrap_or(false),
            stop_at: get_parsed(options, "stop-at", parse_i64)?.unwrap_or(-1),
            max_emit_speed: get_parsed(options, "max-emit-speed", parse_bool)?.unwrap_or(true),
            num_event_generators: generators.map(|g| g as usize),
            base_time: get_parsed(options, "base-time", parse_i64)?,
            seed: get_parsed(options, "seed", parse_i64)?.unwrap_or(0),
        })
    }

    /// Whether the source ends by itself: a number of events (or a stop) is set and
    /// `keep-alive` is off.
    pub(crate) fn is_bounded(&self) -> bool {
        !self.keep_alive && (self.num_events > 0 || self.stop_at >= 0)
    }
}

/// The physical columns upstream's DDL declares: `event_type INT`, then the `person`,
/// `auction` and `bid` rows with these fields in this order.
pub(crate) const PERSON_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Long),
    ("name", Kind::Text),
    ("emailAddress", Kind::Text),
    ("creditCard", Kind::Text),
    ("city", Kind::Text),
    ("state", Kind::Text),
    ("dateTime", Kind::Time),
    ("extra", Kind::Text),
];
pub(crate) const AUCTION_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Long),
    ("itemName", Kind::Text),
    ("description", Kind::Text),
    ("initialBid", Kind::Long),
    ("reserve", Kind::Long),
    ("dateTime", Kind::Time),
    ("expires", Kind::Time),
    ("seller", Kind::Long),
    ("category", Kind::Long),
    ("extra", Kind::Text),
];
pub(crate) const BID_FIELDS: &[(&str, Kind)] = &[
    ("auction", Kind::Long),
    ("bidder", Kind::Long),
    ("price", Kind::Long),
    ("channel", Kind::Text),
    ("url", Kind::Text),
    ("dateTime", Kind::Time),
    ("extra", Kind::Text),
];

/// The kinds of value a Nexmark field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Long,
    Text,
    Time,
}

fn kind_fits(kind: Kind, data_type: &DataType) -> bool {
    match kind {
        Kind::Long => data_type.kind == TypeKind::BigInt,
        Kind::Text => matches!(data_type.kind, TypeKind::Varchar { .. } | TypeKind::Char { .. }),
        Kind::Time => matches!(data_type.kind, TypeKind::Timestamp { .. }),
    }
}

const DDL_HINT: &str = "declare the table as the Nexmark suite does: event_type INT, person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>, auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>, bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>";

/// Which of the event's parts a physical column is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    EventType,
    Person,
    Auction,
    Bid,
}

/// The part each physical column of `table` holds, checking names and types against
/// upstream's DDL. Columns may be left out, not renamed or reordered within a row.
pub(crate) fn check_schema(table: &TableSpec) -> Result<Vec<Part>, ConnectorError> {
    let mut parts = Vec::with_capacity(table.physical_columns.len());
    for (name, data_type) in &table.physical_columns {
        let (part, fields) = match name.to_ascii_lowercase().as_str() {
            "event_type" => {
                if data_type.kind != TypeKind::Int {
                    return Err(ConnectorError::Schema(format!(
                        "column \"{name}\" of a nexmark table must be INT; {DDL_HINT}"
                    )));
                }
                parts.push(Part::EventType);
                continue;
            }
            "person" => (Part::Person, PERSON_FIELDS),
            "auction" => (Part::Auction, AUCTION_FIELDS),
            "bid" => (Part::Bid, BID_FIELDS),
            _ => {
                return Err(ConnectorError::Schema(format!(
                    "a nexmark table has no column \"{name}\"; {DDL_HINT}"
                )))
            }
        };
        let TypeKind::Row(declared) = &data_type.kind else {
            return Err(ConnectorError::Schema(format!("column \"{name}\" of a nexmark table must be a ROW; {DDL_HINT}")));
        };
        let fits = declared.len() == fields.len()
            && declared
                .iter()
                .zip(fields)
                .all(|(d, (n, k))| d.name.eq_ignore_ascii_case(n) && kind_fits(*k, &d.data_type));
        if !fits {
            return Err(ConnectorError::Schema(format!(
                "column \"{name}\" of a nexmark table does not have the Nexmark fields; {DDL_HINT}"
            )));
        }
        parts.push(part);
    }
    Ok(parts)
}
