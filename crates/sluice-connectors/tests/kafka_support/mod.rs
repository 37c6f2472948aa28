//! Shared by the Kafka tests: tables and contexts, producing and consuming test messages
//! with rdkafka directly, and draining a source reader.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_schema::Schema;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SourceContext, SourcePoll, SourceReader, TableSpec};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::DataType;

/// How long a test waits for the broker before it gives up (not a timing assertion).
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn table(connector: &str, columns: &[(&str, DataType)], options: &[(&str, &str)], pk: &[&str]) -> TableSpec {
    let mut map: BTreeMap<String, String> = options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    map.insert("connector".into(), connector.into());
    TableSpec {
        name: "t".into(),
        physical_columns: columns.iter().map(|(n, t)| (n.to_string(), t.clone())).collect(),
        options: map,
        primary_key: pk.iter().map(|s| s.to_string()).collect(),
        partition_keys: Vec::new(),
    }
}

pub fn source_ctx(table: &TableSpec, projection: Vec<usize>, metadata: Vec<(&str, DataType)>, batch_size: usize) -> SourceContext {
    let mut fields: Vec<_> = projection
        .iter()
        .map(|i| table.physical_columns[*i].1.to_field(&table.physical_columns[*i].0))
        .collect();
    fields.extend(metadata.iter().map(|(k, t)| t.to_field(k)));
    SourceContext {
        projection,
        metadata: metadata.into_iter().map(|(k, t)| (k.to_string(), t)).collect(),
        output_schema: Arc::new(Schema::new(fields)),
        batch_size,
        time_zone: SessionTimeZone::default(),
        subtask: 0,
        parallelism: 1,
        job: String::new(),
        source_index: 0,
        checkpointing: false,
    }
}

pub fn sink_ctx(table: &TableSpec, metadata: Vec<(&str, DataType)>) -> SinkContext {
    let mut fields: Vec<_> = table.physical_columns.iter().map(|(n, t)| t.to_field(n)).collect();
    fields.extend(metadata.iter().map(|(k, t)| t.to_field(k)));
    SinkContext {
        input_schema: Arc::new(Schema::new(fields)),
        metadata: metadata.into_iter().map(|(k, t)| (k.to_string(), t)).collect(),
        time_zone: SessionTimeZone::default(),
        subtask: 0,
        parallelism: 1,
        checkpointing: false,
        job: "test".into(),
        sink_index: 0,
    }
}

/// A message to produce: partition, key, value, timestamp (ms), headers.
#[derive(Clone, Debug, Default)]
pub struct TestMessage {
    pub partition: i32,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub timestamp: Option<i64>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

pub fn msg(partition: i32, value: &str) -> TestMessage {
    TestMessage { partition, value: Some(value.as_bytes().to_vec()), ..Default::default() }
}

pub fn produce(bootstrap: &str, topic: &str, messages: &[TestMessage]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("create the test producer");
    for m in messages {
        let mut r: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic).partition(m.partition);
        if let Some(k) = &m.key {
            r = r.key(k.as_slice());
        }
        if let Some(v) = &m.value {
            r = r.payload(v.as_slice());
        }
        if let Some(t) = m.timestamp {
            r = r.timestamp(t);
        }
        if !m.headers.is_empty() {
            let mut h = OwnedHeaders::new();
            for (k, v) in &m.headers {
                h = h.insert(Header { key: k.as_str(), value: v.as_deref() });
            }
            r = r.headers(h);
        }
        producer.send(r).map_err(|(e, _)| e).expect("queue a test message");
        producer.poll(Duration::ZERO);
    }
    producer.flush(PATIENCE).expect("deliver the test messages");
}

/// Reads `count` messages of `topic` from the beginning, every partition.
pub fn consume(bootstrap: &str, topic: &str, partitions: i32, count: usize) -> Vec<TestMessage> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "sluice-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .expect("create the test consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let deadline = Instant::now() + PATIENCE;
    let mut out = Vec::new();
    while out.len() < count {
        assert!(Instant::now() < deadline, "only {} of {count} messages arrived in {topic}: {out:?}", out.len());
        let Some(r) = consumer.poll(Duration::from_millis(100)) else { continue };
        let m = r.expect("consume a test message");
        out.push(TestMessage {
            partition: m.partition(),
            key: m.key().map(|k| k.to_vec()),
            value: m.payload().map(|v| v.to_vec()),
            timestamp: m.timestamp().to_millis(),
            headers: m
                .headers()
                .map(|h| h.iter().map(|h| (h.key.to_string(), h.value.map(|v| v.to_vec()))).collect())
                .unwrap_or_default(),
        });
    }
    out
}

/// What a source reported, in order.
#[derive(Debug)]
pub enum Event {
    Added(u32),
    Batch(u32, ChangeBatch),
    Finished(u32),
}

/// Polls until the source is finished (bounded) or `rows` rows arrived (unbounded).
pub fn drain(source: &mut dyn SourceReader, rows: Option<usize>) -> Result<Vec<Event>, ConnectorError> {
    let deadline = Instant::now() + PATIENCE;
    let mut events = Vec::new();
    let mut seen = 0;
    loop {
        assert!(Instant::now() < deadline, "the source did not finish; events so far: {events:?}");
        match source.poll_next()? {
            SourcePoll::SplitAdded(s) => events.push(Event::Added(s)),
            SourcePoll::SplitFinished(s) => events.push(Event::Finished(s)),
            SourcePoll::SplitBatch { split, batch } => {
                seen += batch.num_rows();
                events.push(Event::Batch(split, batch));
            }
            SourcePoll::Batch(b) => panic!("a Kafka source reports rows per split, got a plain batch {b:?}"),
            SourcePoll::Finished => return Ok(events),
            SourcePoll::Pending => std::thread::sleep(Duration::from_millis(5)),
        }
        if rows.is_some_and(|r| seen >= r) {
            return Ok(events);
        }
    }
}

/// Every row of the batches, as printed text per column (`NULL` for nulls), with `+I` etc.
pub fn rows(events: &[Event]) -> Vec<String> {
    let mut out = Vec::new();
    for e in events {
        if let Event::Batch(_, b) = e {
            for r in 0..b.num_rows() {
                let cols: Vec<String> = b
                    .data
                    .columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(r) {
                            "NULL".to_string()
                        } else {
                            arrow_cast_value(c.as_ref(), r)
                        }
                    })
                    .collect();
                out.push(format!("{} {}", b.kind(r), cols.join(",")));
            }
        }
    }
    out
}

fn arrow_cast_value(c: &dyn arrow_array::Array, r: usize) -> String {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    use arrow_schema::DataType as A;
    match c.data_type() {
        A::Utf8 => c.as_string::<i32>().value(r).to_string(),
        A::Binary => format!("{:?}", String::from_utf8_lossy(c.as_binary::<i32>().value(r))),
        A::Int32 => c.as_primitive::<Int32Type>().value(r).to_string(),
        A::Int64 => c.as_primitive::<Int64Type>().value(r).to_string(),
        A::Float64 => c.as_primitive::<Float64Type>().value(r).to_string(),
        A::Timestamp(_, _) => format!("ts{}", c.as_primitive::<TimestampMicrosecondType>().value(r)),
        A::Map(_, _) => {
            let m = c.as_map().value(r);
            let keys = m.column(0).as_string::<i32>();
            let vals = m.column(1).as_binary::<i32>();
            let parts: Vec<String> = (0..arrow_array::Array::len(&m))
                .map(|i| format!("{}={}", keys.value(i), String::from_utf8_lossy(vals.value(i))))
                .collect();
            format!("{{{}}}", parts.join(";"))
        }
        other => format!("<{other}>"),
    }
}
