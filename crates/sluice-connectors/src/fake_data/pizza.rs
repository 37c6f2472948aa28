//! Pizza orders:
//! `{"id":0,"shop":..,"name":..,"phoneNumber":"928-785-5048","address":"258 Main Street",
//! "pizzas":[{"pizzaName":"Diavola","additionalToppings":["🍍 pineapple"]}],
//! "orderTimestamp":"2021-10-11 12:52:57.231"}`.

use rand::rngs::SmallRng;
use rand::Rng;

use super::json_text::{push_int, push_str, push_timestamp};

/// Toppings, including the three the anomaly pipelines look for (pineapple, strawberry,
/// banana).
pub const TOPPINGS: [&str; 10] = [
    "🍅 tomato",
    "🧅 onion",
    "🍍 pineapple",
    "🍓 strawberry",
    "🍌 banana",
    "🫒 olives",
    "🌶️ hot pepper",
    "🍄 mushrooms",
    "🥓 bacon",
    "🧀 mozzarella",
];
pub const PIZZAS: [&str; 6] = ["Margherita", "Marinara", "Diavola", "Mari & Monti", "Salami", "Peperoni"];
pub const SHOPS: [&str; 6] = [
    "Marios Pizza",
    "Luigis Pizza",
    "Circular Pi Pizzeria",
    "Ill Make You a Pizza You Can't Refuse",
    "Mammamia Pizza",
    "Its-a me! Mario Pizza!",
];
const CUSTOMERS: [&str; 7] =
    ["Adrian Lee", "Maria Rossi", "John Smith", "Aiko Tanaka", "Lars Berg", "Chen Wei", "Ana Silva"];

fn pick<'a>(rng: &mut SmallRng, items: &[&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

fn push_padded(out: &mut Vec<u8>, value: u32, width: usize) {
    let mut buf = itoa::Buffer::new();
    let text = buf.format(value);
    for _ in text.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(text.as_bytes());
}

/// Writes order number `id` with the given event time; returns that time.
pub(crate) fn write(rng: &mut SmallRng, id: u64, event_millis: i64, out: &mut Vec<u8>) -> i64 {
    out.extend_from_slice(b"{\"id\":");
    push_int(out, id as i64);
    out.extend_from_slice(b",\"shop\":");
    push_str(out, pick(rng, &SHOPS));
    out.extend_from_slice(b",\"name\":");
    push_str(out, pick(rng, &CUSTOMERS));
    out.extend_from_slice(b",\"phoneNumber\":\"");
    push_padded(out, rng.gen_range(100..=999), 3);
    out.push(b'-');
    push_padded(out, rng.gen_range(100..=999), 3);
    out.push(b'-');
    push_padded(out, rng.gen_range(0..=9999), 4);
    out.extend_from_slice(b"\",\"address\":\"");
    push_int(out, rng.gen_range(1..=999));
    out.extend_from_slice(b" Main Street\",\"pizzas\":[");
    let pizzas = rng.gen_range(1..=5);
    for p in 0..pizzas {
        if p > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"pizzaName\":");
        push_str(out, pick(rng, &PIZZAS));
        out.extend_from_slice(b",\"additionalToppings\":[");
        let toppings = rng.gen_range(0..=5);
        for t in 0..toppings {
            if t > 0 {
                out.push(b',');
            }
            push_str(out, pick(rng, &TOPPINGS));
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"],\"orderTimestamp\":");
    push_timestamp(out, event_millis, true);
    out.push(b'}');
    event_millis
}
