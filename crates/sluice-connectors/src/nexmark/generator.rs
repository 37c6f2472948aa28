//! The Nexmark event generator, ported from the Nexmark suite's Java generator
//! (`NexmarkGenerator` and its `PersonGenerator`, `AuctionGenerator`, `BidGenerator`,
//! `PriceGenerator` and `StringsGenerator`): the same event ids, kinds, timestamps and,
//! for the same seeds, the same random choices, draw for draw.
//!
//! Events are written straight into Arrow-ready column buffers (`EventColumns`); the
//! per-event work is the generator's own logic, never an interpretation of rows.

use std::sync::Arc;

use super::config::NexmarkConfig;
use super::random::SplittableRandom;

/// Ids start here so that small runs still find matches.
const FIRST_AUCTION_ID: i64 = 1000;
const FIRST_PERSON_ID: i64 = 1000;
const FIRST_CATEGORY_ID: i64 = 10;
/// Upstream numbers each generator's events from 1 (`firstEventNumber`) and ids from 1
/// (`firstEventId`).
const FIRST_EVENT_NUMBER: i64 = 1;
const FIRST_EVENT_ID: i64 = 1;
const NUM_CATEGORIES: i32 = 5;
const AUCTION_ID_LEAD: i64 = 10;
const PERSON_ID_LEAD: i64 = 10;
const HOT_SELLER_RATIO: i64 = 100;
const HOT_AUCTION_RATIO: i64 = 100;
const HOT_BIDDER_RATIO: i64 = 100;
const HOT_CHANNELS_RATIO: i32 = 2;
const CHANNELS_NUMBER: usize = 10_000;
const NUM_IN_FLIGHT_AUCTIONS: i64 = 100;
const NUM_ACTIVE_PEOPLE: i64 = 1000;
const OUT_OF_ORDER_GROUP_SIZE: i64 = 1;
const MIN_STRING_LENGTH: i32 = 3;
const EXTRA_POOL_LENGTH: usize = 1024 * 1024;
const HOT_CHANNELS: [&str; 4] = ["Google", "Facebook", "Baidu", "Apple"];
const US_STATES: [&str; 6] = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES: [&str; 10] =
    ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
const FIRST_NAMES: [&str; 11] =
    ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES: [&str; 9] = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];

/// Seeds of the tables upstream draws once per process from unseeded generators: Sluice
/// draws them from `seed + these`, and each generator's choices from `seed + its index`.
pub const POOL_SEED_OFFSET: i64 = 1_000_001;
pub const URL_SEED_OFFSET: i64 = 1_000_002;

/// The tables shared by every generator of a stream: the pool the `extra` strings are
/// cut from, and the bid channels' URLs.
pub(crate) struct Tables {
    pool: Vec<u8>,
    hot_urls: [String; 4],
    /// `channel-i` and its URL, for each channel `i`.
    channels: Vec<(String, String)>,
}

fn exact_string_loop(random: &mut SplittableRandom, length: usize, out: &mut Vec<u8>) {
    let mut rnd = 0i32;
    let mut n = 0;
    for _ in 0..length {
        if n == 0 {
            rnd = random.next_int();
            n = 6;
        }
        // Java's `%` keeps the sign, so a negative draw gives characters below 'a'.
        out.push((b'a' as i32 + rnd % 26) as u8);
        rnd /= 26;
        n -= 1;
    }
}

/// `StringsGenerator.nextString`: 3 to `max_length - 1` letters, each 1 in 13 replaced by
/// `special`, then trimmed of spaces at both ends. Appends to `out`; returns the length.
fn next_string(random: &mut SplittableRandom, max_length: i32, special: u8, out: &mut Vec<u8>) -> usize {
    let len = MIN_STRING_LENGTH + random.next_int_bounded(max_length - MIN_STRING_LENGTH);
    let start = out.len();
    for _ in 0..len {
        if random.next_int_bounded(13) == 0 {
            out.push(special);
        } else {
            out.push(b'a' + random.next_int_bounded(26) as u8);
        }
    }
    while out.len() > start && out[out.len() - 1] <= b' ' {
        out.pop();
    }
    let leading = out[start..].iter().take_while(|&&c| c <= b' ').count();
    if leading > 0 {
        out.drain(start..start + leading);
    }
    out.len() - start
}

fn base_url(random: &mut SplittableRandom) -> String {
    let mut s = b"https://www.nexmark.com/".to_vec();
    for _ in 0..3 {
        next_string(random, 5, b'_', &mut s);
        s.push(b'/');
    }
    s.extend_from_slice(b"item.htm?query=1");
    String::from_utf8(s).unwrap_or_default()
}

impl Tables {
    /// The tables for `seed`.
    pub(crate) fn new(seed: i64) -> Arc<Tables> {
        let mut pool = Vec::with_capacity(EXTRA_POOL_LENGTH);
        exact_string_loop(&mut SplittableRandom::new(seed.wrapping_add(POOL_SEED_OFFSET)), EXTRA_POOL_LENGTH, &mut pool);
        let mut random = SplittableRandom::new(seed.wrapping_add(URL_SEED_OFFSET));
        let hot_urls = std::array::from_fn(|_| base_url(&mut random));
        let channels = (0..CHANNELS_NUMBER)
            .map(|i| {
                let mut url = base_url(&mut random);
                if random.next_int_bounded(10) > 0 {
                    url.push_str(&format!("&channel_id={}", (i as i32).reverse_bits().wrapping_abs()));
                }
                (format!("channel-{i}"), url)
            })
            .collect();
        Arc::new(Tables { pool, hot_urls, channels })
    }

    /// `StringsGenerator.nextExtra`: a string making the event's size `desired_average`
    /// on average, appended to `out`.
    fn next_extra(&self, random: &mut SplittableRandom, current_size: i32, desired_average: i32, out: &mut Vec<u8>) {
        if current_size > desired_average {
            return;
        }
        let desired = desired_average - current_size;
        let delta = (desired as f64 * 0.2).round() as i64 as i32;
        let min_size = desired - delta;
        let size = min_size + if delta == 0 { 0 } else { random.next_int_bounded(2 * delta) };
        let size = size.max(0) as usize;
        if size < self.pool.len() / 2 {
            let offset = random.next_int_bounded((self.pool.len() - size) as i32) as usize;
            out.extend_from_slice(&self.pool[offset..offset + size]);
        } else {
            exact_string_loop(random, size, out);
        }
    }
}

/// The settings every generator of a stream shares (upstream's `GeneratorConfig`).
#[derive(Clone, Debug)]
pub(crate) struct Params {
    person_proportion: i64,
    auction_proportion: i64,
    total_proportion: i64,
    inter_event_delay_us: f64,
    base_time: i64,
    hot_auction_ratio: i32,
    hot_bidders_ratio: i32,
    hot_sellers_ratio: i32,
    avg_person_byte_size: i32,
    avg_auction_byte_size: i32,
    avg_bid_byte_size: i32,
}

impl Params {
    pub(crate) fn new(config: &NexmarkConfig, generators: usize, base_time: i64) -> Self {
        Params {
            person_proportion: config.person_proportion as i64,
            auction_proportion: config.auction_proportion as i64,
            total_proportion: config.person_proportion as i64
                + config.auction_proportion as i64
                + config.bid_proportion as i64,
            inter_event_delay_us: 1_000_000.0 / config.first_event_rate as f64 * generators as f64,
            base_time,
            hot_auction_ratio: config.hot_auction_ratio,
            hot_bidders_ratio: config.hot_bidders_ratio,
            hot_sellers_ratio: config.hot_sellers_ratio,
            avg_person_byte_size: config.avg_person_byte_size,
            avg_auction_byte_size: config.avg_auction_byte_size,
            avg_bid_byte_size: config.avg_bid_byte_size,
        }
    }

    /// The event time, epoch milliseconds, of event number `n` of a generator.
    #[inline]
    pub(crate) fn timestamp_for_event(&self, n: i64) -> i64 {
        self.base_time.wrapping_add((n as f64 * self.inter_event_delay_us) as i64 / 1000)
    }

    fn adjusted_event_number(&self, count: i64) -> i64 {
        let n = OUT_OF_ORDER_GROUP_SIZE;
        let number = FIRST_EVENT_NUMBER + count;
        (number / n) * n + number.wrapping_mul(953) % n
    }

    fn last_base0_person_id(&self, event_id: i64) -> i64 {
        let epoch = event_id / self.total_proportion;
        let mut offset = event_id % self.total_proportion;
        if offset >= self.person_proportion {
            offset = self.person_proportion - 1;
        }
        epoch * self.person_proportion + offset
    }

    fn last_base0_auction_id(&self, event_id: i64) -> i64 {
        let mut epoch = event_id / self.total_proportion;
        let mut offset = event_id % self.total_proportion;
        if offset < self.person_proportion {
            epoch -= 1;
            offset = self.auction_proportion - 1;
        } else if offset >= self.person_proportion + self.auction_proportion {
            offset = self.auction_proportion - 1;
        } else {
            offset -= self.person_proportion;
        }
        epoch * self.auction_proportion + offset
    }

    fn next_base0_person_id(&self, event_id: i64, random: &mut SplittableRandom) -> i64 {
        let num_people = self.last_base0_person_id(event_id) + 1;
        let active = num_people.min(NUM_ACTIVE_PEOPLE);
        num_people - active + next_long(random, active + PERSON_ID_LEAD)
    }

    fn next_base0_auction_id(&self, event_id: i64, random: &mut SplittableRandom) -> i64 {
        let max_auction = self.last_base0_auction_id(event_id);
        let min_auction = (max_auction - NUM_IN_FLIGHT_AUCTIONS).max(0);
        min_auction + next_long(random, max_auction - min_auction + 1 + AUCTION_ID_LEAD)
    }
}

/// `LongGenerator.nextLong`: uniform in `[0, n)` for `n` under 2^31 (skewed above, as
/// upstream).
fn next_long(random: &mut SplittableRandom, n: i64) -> i64 {
    if n < i32::MAX as i64 {
        random.next_int_bounded(n as i32) as i64
    } else {
        random.next_long().wrapping_rem(n).wrapping_abs()
    }
}

/// `PriceGenerator.nextPrice`: 10^(0..6) dollars in cents.
fn next_price(random: &mut SplittableRandom) -> i64 {
    (10f64.powf(random.next_double() * 6.0) * 100.0).round() as i64
}

/// One generator's timeline (upstream's `NexmarkGenerator` over one split).
#[derive(Clone, Debug)]
pub(crate) struct SplitGenerator {
    first_event_id: i64,
    /// Events this generator makes in all.
    limit: i64,
    /// Events made so far.
    pub(crate) count: i64,
    pub(crate) random: SplittableRandom,
}

impl SplitGenerator {
    pub(crate) fn remaining(&self) -> i64 {
        self.limit - self.count
    }
}

/// The generators of a stream, as upstream's `GeneratorConfig.split(n)` divides it, the
/// `i`-th with its choices drawn from `seed + i`.
pub(crate) fn split_generators(config: &NexmarkConfig, n: usize) -> Vec<SplitGenerator> {
    let total = config.person_proportion as i64 + config.auction_proportion as i64 + config.bid_proportion as i64;
    let max_events = if config.num_events == 0 {
        let largest = config.avg_person_byte_size.max(config.avg_auction_byte_size).max(config.avg_bid_byte_size);
        i64::MAX / (total * largest.max(1) as i64)
    } else {
        config.num_events
    };
    let stop = config.stop_at;
    let n = n.max(1) as i64;
    let mut splits = Vec::with_capacity(n as usize);
    let mut sub_max = max_events / n;
    let mut sub_stop = stop / n;
    let mut first_event_id = FIRST_EVENT_ID;
    for i in 0..n {
        if i == n - 1 {
            sub_max = max_events - sub_max * (n - 1);
            sub_stop = stop - sub_stop * (n - 1);
        }
        // A reader clears each split's stop when the table sets none (`isSourceIgnoreStop`).
        let limit = if stop < 0 { sub_max } else { sub_stop.min(sub_max) };
        splits.push(SplitGenerator {
            first_event_id,
            limit: limit.max(0),
            count: 0,
            random: SplittableRandom::new(config.seed.wrapping_add(i)),
        });
        first_event_id += sub_max;
    }
    splits
}

/// A column of `BIGINT` (or epoch-millisecond) values.
#[derive(Default)]
pub(crate) struct LongColumn {
    pub(crate) values: Vec<i64>,
}

/// A column of strings as Arrow's offsets and bytes.
pub(crate) struct TextColumn {
    pub(crate) offsets: Vec<i32>,
    pub(crate) data: Vec<u8>,
}

impl Default for TextColumn {
    fn default() -> Self {
        TextColumn { offsets: vec![0], data: Vec::new() }
    }
}

impl TextColumn {
    #[inline]
    fn end_value(&mut self) {
        self.offsets.push(self.data.len() as i32);
    }
    #[inline]
    fn push(&mut self, s: &str) {
        self.data.extend_from_slice(s.as_bytes());
        self.end_value();
    }
    fn clear(&mut self) {
        self.offsets.truncate(1);
        self.data.clear();
    }
    fn len_since(&self) -> usize {
        self.data.len() - *self.offsets.last().unwrap_or(&0) as usize
    }
}

/// The columns of one of the event's rows: values for every event (zero or empty where
/// the event is of another kind) and whether the row is there.
#[derive(Default)]
pub(crate) struct RowColumns {
    pub(crate) present: Vec<bool>,
    pub(crate) longs: Vec<LongColumn>,
    pub(crate) texts: Vec<TextColumn>,
    /// Whether the row is wanted: an unwanted row's values are made (the random draws
    /// must be) and dropped.
    pub(crate) wanted: bool,
}

impl RowColumns {
    fn new(longs: usize, texts: usize, wanted: bool) -> Self {
        RowColumns {
            present: Vec::new(),
            longs: (0..longs).map(|_| LongColumn::default()).collect(),
            texts: (0..texts).map(|_| TextColumn::default()).collect(),
            wanted,
        }
    }

    #[inline]
    fn push_absent(&mut self) {
        if !self.wanted {
            return;
        }
        self.present.push(false);
        for l in &mut self.longs {
            l.values.push(0);
        }
        for t in &mut self.texts {
            t.end_value();
        }
    }

    #[inline]
    fn finish_present(&mut self) {
        if self.wanted {
            self.present.push(true);
        } else {
            for l in &mut self.longs {
                l.values.clear();
            }
            for t in &mut self.texts {
                t.clear();
            }
        }
    }

    /// Empties the columns for the next batch.
    pub(crate) fn reset(&mut self) {
        self.present.clear();
        for l in &mut self.longs {
            l.values.clear();
        }
        for t in &mut self.texts {
            t.clear();
        }
    }
}

/// Person longs: id, dateTime. Texts: name, emailAddress, creditCard, city, state, extra.
pub(crate) const PERSON_LONGS: usize = 2;
pub(crate) const PERSON_TEXTS: usize = 6;
/// Auction longs: id, initialBid, reserve, dateTime, expires, seller, category. Texts:
/// itemName, description, extra.
pub(crate) const AUCTION_LONGS: usize = 7;
pub(crate) const AUCTION_TEXTS: usize = 3;
/// Bid longs: auction, bidder, price, dateTime. Texts: channel, url, extra.
pub(crate) const BID_LONGS: usize = 4;
pub(crate) const BID_TEXTS: usize = 3;

/// A batch of events being made.
pub(crate) struct EventColumns {
    pub(crate) event_type: Vec<i32>,
    pub(crate) person: RowColumns,
    pub(crate) auction: RowColumns,
    pub(crate) bid: RowColumns,
}

impl EventColumns {
    /// Columns for the wanted rows (`[person, auction, bid]`).
    pub(crate) fn new(wanted: [bool; 3]) -> Self {
        EventColumns {
            event_type: Vec::new(),
            person: RowColumns::new(PERSON_LONGS, PERSON_TEXTS, wanted[0]),
            auction: RowColumns::new(AUCTION_LONGS, AUCTION_TEXTS, wanted[1]),
            bid: RowColumns::new(BID_LONGS, BID_TEXTS, wanted[2]),
        }
    }

    pub(crate) fn reset(&mut self) {
        self.event_type.clear();
        self.person.reset();
        self.auction.reset();
        self.bid.reset();
    }

    pub(crate) fn len(&self) -> usize {
        self.event_type.len()
    }
}

/// Makes the next `n` events of `split` (at most its remaining ones) into `out`.
pub(crate) fn generate(params: &Params, tables: &Tables, split: &mut SplitGenerator, n: usize, out: &mut EventColumns) {
    let n = (n as i64).min(split.remaining()).max(0);
    for _ in 0..n {
        let count = split.count;
        let adjusted = params.adjusted_event_number(count);
        let timestamp = params.timestamp_for_event(adjusted);
        let event_id = split.first_event_id + adjusted;
        let rem = event_id % params.total_proportion;
        let random = &mut split.random;
        if rem < params.person_proportion {
            out.event_type.push(0);
            next_person(params, tables, event_id, random, timestamp, out);
            out.auction.push_absent();
            out.bid.push_absent();
        } else if rem < params.person_proportion + params.auction_proportion {
            out.event_type.push(1);
            out.person.push_absent();
            next_auction(params, tables, count, event_id, random, timestamp, out);
            out.bid.push_absent();
        } else {
            out.event_type.push(2);
            out.person.push_absent();
            out.auction.push_absent();
            next_bid(params, tables, event_id, random, timestamp, out);
        }
        split.count += 1;
    }
}

fn next_person(
    params: &Params,
    tables: &Tables,
    event_id: i64,
    random: &mut SplittableRandom,
    timestamp: i64,
    out: &mut EventColumns,
) {
    let row = &mut out.person;
    row.longs[0].values.push(params.last_base0_person_id(event_id) + FIRST_PERSON_ID);
    row.longs[1].values.push(timestamp);
    let [name, email, card, city, state, extra] = &mut row.texts[..] else { return };
    name.data.extend_from_slice(FIRST_NAMES[random.next_int_bounded(FIRST_NAMES.len() as i32) as usize].as_bytes());
    name.data.push(b' ');
    name.data.extend_from_slice(LAST_NAMES[random.next_int_bounded(LAST_NAMES.len() as i32) as usize].as_bytes());
    let mut size = 8 + name.len_since();
    name.end_value();
    next_string(random, 7, b' ', &mut email.data);
    email.data.push(b'@');
    next_string(random, 5, b' ', &mut email.data);
    email.data.extend_from_slice(b".com");
    size += email.len_since();
    email.end_value();
    for i in 0..4 {
        if i > 0 {
            card.data.push(b' ');
        }
        let digits = random.next_int_bounded(10_000);
        card.data.extend_from_slice(format_args_4(digits).as_slice());
    }
    size += card.len_since();
    card.end_value();
    let c = US_CITIES[random.next_int_bounded(US_CITIES.len() as i32) as usize];
    city.push(c);
    let s = US_STATES[random.next_int_bounded(US_STATES.len() as i32) as usize];
    state.push(s);
    size += c.len() + s.len();
    tables.next_extra(random, size as i32, params.avg_person_byte_size, &mut extra.data);
    extra.end_value();
    row.finish_present();
}

/// `String.format("%04d", n)` for `n` in `0..10000`.
fn format_args_4(n: i32) -> [u8; 4] {
    let n = n as u32;
    [b'0' + (n / 1000 % 10) as u8, b'0' + (n / 100 % 10) as u8, b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]
}

fn next_auction(
    params: &Params,
    tables: &Tables,
    count: i64,
    event_id: i64,
    random: &mut SplittableRandom,
    timestamp: i64,
    out: &mut EventColumns,
) {
    let id = params.last_base0_auction_id(event_id) + FIRST_AUCTION_ID;
    let seller = if random.next_int_bounded(params.hot_sellers_ratio) > 0 {
        (params.last_base0_person_id(event_id) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
    } else {
        params.next_base0_person_id(event_id, random)
    } + FIRST_PERSON_ID;
    let category = FIRST_CATEGORY_ID + random.next_int_bounded(NUM_CATEGORIES) as i64;
    let initial_bid = next_price(random);
    // nextAuctionLengthMs: on average the time until NUM_IN_FLIGHT_AUCTIONS more auctions.
    let current = params.adjusted_event_number(count);
    let events_for_auctions = (NUM_IN_FLIGHT_AUCTIONS * params.total_proportion) / params.auction_proportion;
    let future_auction = params.timestamp_for_event(current + events_for_auctions);
    let horizon = future_auction - timestamp;
    let expires = timestamp + 1 + next_long(random, (horizon * 2).max(1));
    let row = &mut out.auction;
    let [item, desc, extra] = &mut row.texts[..] else { return };
    let name_len = next_string(random, 20, b' ', &mut item.data);
    item.end_value();
    let desc_len = next_string(random, 100, b' ', &mut desc.data);
    desc.end_value();
    let reserve = initial_bid + next_price(random);
    let size = 8 + name_len + desc_len + 40;
    tables.next_extra(random, size as i32, params.avg_auction_byte_size, &mut extra.data);
    extra.end_value();
    for (column, value) in row.longs.iter_mut().zip([id, initial_bid, reserve, timestamp, expires, seller, category]) {
        column.values.push(value);
    }
    row.finish_present();
}

fn next_bid(
    params: &Params,
    tables: &Tables,
    event_id: i64,
    random: &mut SplittableRandom,
    timestamp: i64,
    out: &mut EventColumns,
) {
    let auction = if random.next_int_bounded(params.hot_auction_ratio) > 0 {
        (params.last_base0_auction_id(event_id) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
    } else {
        params.next_base0_auction_id(event_id, random)
    } + FIRST_AUCTION_ID;
    let bidder = if random.next_int_bounded(params.hot_bidders_ratio) > 0 {
        (params.last_base0_person_id(event_id) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
    } else {
        params.next_base0_person_id(event_id, random)
    };
    // Upstream adds FIRST_PERSON_ID to the bidder twice; the ids are as it makes them.
    let bidder = bidder + 2 * FIRST_PERSON_ID;
    let price = next_price(random);
    let row = &mut out.bid;
    let [channel, url, extra] = &mut row.texts[..] else { return };
    if random.next_int_bounded(HOT_CHANNELS_RATIO) > 0 {
        let i = random.next_int_bounded(HOT_CHANNELS.len() as i32) as usize;
        channel.push(HOT_CHANNELS[i]);
        url.push(&tables.hot_urls[i]);
    } else {
        let (name, address) = &tables.channels[random.next_int_bounded(CHANNELS_NUMBER as i32) as usize];
        channel.push(name);
        url.push(address);
    }
    tables.next_extra(random, 32, params.avg_bid_byte_size, &mut extra.data);
    extra.end_value();
    for (column, value) in row.longs.iter_mut().zip([auction, bidder, price, timestamp]) {
        column.values.push(value);
    }
    row.finish_present();
}
