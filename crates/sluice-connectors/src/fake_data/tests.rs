use serde_json::Value;

use super::*;

fn records(settings: GeneratorSettings, n: usize) -> Vec<(String, i64)> {
    FakeDataGenerator::new(settings)
        .take(n)
        .map(|(bytes, time)| (String::from_utf8(bytes).expect("records are UTF-8"), time))
        .collect()
}

fn parse(text: &str) -> serde_json::Map<String, Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        other => panic!("not a JSON object: {text}: {other:?}"),
    }
}

fn keys(map: &serde_json::Map<String, Value>) -> Vec<&str> {
    map.keys().map(|k| k.as_str()).collect()
}

fn millis_of(text: &str) -> i64 {
    sluice_types::temporal::parse_timestamp(text).expect("a timestamp") / 1000
}

#[test]
fn same_seed_same_records_other_seed_other_records() {
    for subject in Subject::ALL {
        let settings = GeneratorSettings { max_delay_millis: 2000, ..GeneratorSettings::new(subject) };
        let a = records(settings.clone(), 200);
        let b = records(settings.clone(), 200);
        assert_eq!(a, b, "{subject} is not deterministic");
        let c = records(GeneratorSettings { seed: 7, ..settings }, 200);
        assert_ne!(a, c, "{subject} ignores the seed");
    }
}

#[test]
fn metric_records_have_the_seed_shape() {
    let mut above_90 = 0;
    for (text, time) in records(GeneratorSettings::new(Subject::Metric), 5000) {
        let map = parse(&text);
        assert_eq!(keys(&map), ["cpu", "hostname", "occurred_at", "usage"]);
        assert!(text.starts_with("{\"hostname\":\""), "{text}");
        let host = map["hostname"].as_str().unwrap();
        assert!(metric::HOSTNAMES.contains(&host), "{host}");
        let cpu = map["cpu"].as_str().unwrap();
        assert!(matches!(cpu, "cpu1" | "cpu2" | "cpu3" | "cpu4" | "cpu5"), "{cpu}");
        let usage = map["usage"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&usage), "{usage}");
        assert_eq!((usage * 1000.0).round() / 1000.0, usage);
        if usage > 90.0 {
            above_90 += 1;
        }
        assert_eq!(map["occurred_at"].as_i64(), Some(time));
    }
    // Beta(5, 2) puts about 11% above 90.
    assert!((400..=700).contains(&above_90), "{above_90} of 5000 above 90");
}

#[test]
fn pizza_records_have_the_seed_shape() {
    let mut fruit = 0;
    for (i, (text, time)) in records(GeneratorSettings::new(Subject::Pizza), 500).into_iter().enumerate() {
        let map = parse(&text);
        assert_eq!(map["id"].as_u64(), Some(i as u64));
        for key in ["shop", "name", "phoneNumber", "address"] {
            assert!(map[key].is_string(), "{key} in {text}");
        }
        let phone = map["phoneNumber"].as_str().unwrap();
        assert_eq!(phone.len(), 12, "{phone}");
        assert!(map["address"].as_str().unwrap().ends_with(" Main Street"));
        let pizzas = map["pizzas"].as_array().unwrap();
        assert!((1..=5).contains(&pizzas.len()));
        for p in pizzas {
            assert!(pizza::PIZZAS.contains(&p["pizzaName"].as_str().unwrap()));
            let toppings = p["additionalToppings"].as_array().unwrap();
            assert!(toppings.len() <= 5);
            for t in toppings {
                let t = t.as_str().unwrap();
                assert!(pizza::TOPPINGS.contains(&t));
                if matches!(t, "🍍 pineapple" | "🍓 strawberry" | "🍌 banana") {
                    fruit += 1;
                }
            }
        }
        let ts = map["orderTimestamp"].as_str().unwrap();
        assert_eq!(ts.len(), 23, "{ts}");
        assert_eq!(millis_of(ts), time);
    }
    assert!(fruit > 0);
    let first = &records(GeneratorSettings::new(Subject::Pizza), 1)[0].0;
    assert!(first.ends_with("\"orderTimestamp\":\"2021-10-11 12:53:00.000\"}"), "{first}");
}

#[test]
fn transactions_and_alarms_have_the_seed_shape() {
    for (text, time) in records(GeneratorSettings::new(Subject::Transactions), 300) {
        assert!(text.starts_with("{\"client\": "), "{text}");
        let map = parse(&text);
        assert_eq!(keys(&map), ["amount", "client", "ts"]);
        assert!((1..=4).contains(&map["client"].as_i64().unwrap()));
        assert!((1..=200).contains(&map["amount"].as_i64().unwrap()));
        let ts = map["ts"].as_str().unwrap();
        assert_eq!(ts.len(), 19, "{ts}");
        assert_eq!(millis_of(ts), time);
    }
    for (text, time) in records(GeneratorSettings::new(Subject::Alarms), 300) {
        assert!(text.starts_with("{\"alarm_id\": \"A"), "{text}");
        let map = parse(&text);
        assert_eq!(map.len(), 9, "{text}");
        let atoll = map["atoll_id"].as_str().unwrap();
        let n: u32 = atoll.strip_prefix("ATL").unwrap().parse().unwrap();
        assert!((1..=alarms::ATOLLS).contains(&n) && atoll.len() == 6);
        assert!(alarms::ALARM_TYPES.contains(&map["alarm_type"].as_str().unwrap()));
        assert!((1..=5).contains(&map["severity"].as_i64().unwrap()));
        assert_eq!(millis_of(map["event_time"].as_str().unwrap()), time);
        let first = millis_of(map["firstoccurrence"].as_str().unwrap());
        let last = millis_of(map["lastoccurrence"].as_str().unwrap());
        assert!(first <= last && first <= time);
        assert!((-10.0..=10.0).contains(&map["latitude"].as_f64().unwrap()));
        assert!((160.0..=180.0).contains(&map["longitude"].as_f64().unwrap()));
    }
}

#[test]
fn max_delay_bounds_the_disorder() {
    for subject in Subject::ALL {
        let max_delay = 3000;
        let settings = GeneratorSettings { max_delay_millis: max_delay, ..GeneratorSettings::new(subject) };
        let mut latest = i64::MIN;
        let mut out_of_order = 0;
        for (_, time) in records(settings, 3000) {
            assert!(time >= latest.saturating_sub(max_delay), "{subject}: {time} is later than {max_delay} ms behind {latest}");
            if time < latest {
                out_of_order += 1;
            }
            latest = latest.max(time);
        }
        assert!(out_of_order > 0, "{subject}: a delay should shuffle some records");
        // Without a delay, event time never goes back.
        let mut previous = i64::MIN;
        for (_, time) in records(GeneratorSettings::new(subject), 1000) {
            assert!(time >= previous, "{subject}");
            previous = time;
        }
    }
}

#[test]
fn subtasks_split_one_sequence() {
    let settings = GeneratorSettings::new(Subject::Pizza);
    let mut ids: Vec<u64> = (0..3)
        .flat_map(|s| {
            FakeDataGenerator::for_subtask(settings.clone(), s, 3)
                .take(10)
                .map(|(text, _)| parse(std::str::from_utf8(&text).unwrap())["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..30).collect::<Vec<_>>());
    // One subtask of one reproduces the plain generator.
    let alone: Vec<_> = FakeDataGenerator::for_subtask(settings.clone(), 0, 1).take(20).collect();
    let plain: Vec<_> = FakeDataGenerator::new(settings).take(20).collect();
    assert_eq!(alone, plain);
}

#[test]
fn subject_names() {
    assert_eq!(Subject::parse("Pizza"), Some(Subject::Pizza));
    assert_eq!(Subject::parse("metric"), Some(Subject::Metric));
    assert_eq!(Subject::parse("iot"), None);
}
