//! Before producing: wait until the cluster answers, and create the topic when it is
//! missing (managed clusters usually do not create topics on first use).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::{BaseProducer, Producer};

use super::block_on::block_on;
use super::delivery::DeliveryTracker;
use super::progress::{Progress, REPORT_EVERY};

/// How to create the topic when it is missing.
pub struct TopicPlan<'a> {
    pub name: &'a str,
    pub bootstrap: &'a str,
    /// `--partitions`, or `None` for the default of one.
    pub partitions: Option<i32>,
    pub replication_factor: i32,
    /// How long to keep trying to reach the cluster: the message timeout.
    pub patience: Duration,
    /// Set by Ctrl-C: stop waiting for the cluster.
    pub stop: &'a AtomicBool,
}

/// The topic's partition count once it exists.
pub fn ensure_topic(
    producer: &BaseProducer<DeliveryTracker>,
    config: &ClientConfig,
    plan: &TopicPlan<'_>,
    progress: &mut Progress,
) -> Result<usize> {
    match partition_count(producer, plan, progress)? {
        Some(count) => {
            if plan.partitions.is_some_and(|wanted| wanted as usize != count) {
                progress.note(&format!(
                    "topic \"{}\" already exists with {count} partitions; --partitions only applies to a new topic",
                    plan.name
                ));
            }
            Ok(count)
        }
        None => {
            create(config, plan)?;
            progress.note(&format!(
                "created topic \"{}\" with {} partitions",
                plan.name,
                plan.partitions.unwrap_or(1)
            ));
            // The new topic's metadata reaches every broker shortly after creation.
            let deadline = Instant::now() + plan.patience;
            loop {
                if let Some(count) = partition_count(producer, plan, progress)? {
                    return Ok(count);
                }
                if Instant::now() >= deadline {
                    bail!("topic \"{}\" was created but does not appear in the cluster's metadata", plan.name);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// The topic's partition count, or `None` when the cluster says it does not exist.
/// Retries while the cluster cannot be reached, reporting on stderr, for up to the
/// plan's patience.
fn partition_count(
    producer: &BaseProducer<DeliveryTracker>,
    plan: &TopicPlan<'_>,
    progress: &mut Progress,
) -> Result<Option<usize>> {
    let deadline = Instant::now() + plan.patience;
    let mut client_error = None;
    loop {
        let attempt = deadline.saturating_duration_since(Instant::now()).min(REPORT_EVERY);
        let error = match producer.client().fetch_metadata(Some(plan.name), attempt) {
            Ok(metadata) => {
                let Some(topic) = metadata.topics().iter().find(|t| t.name() == plan.name) else {
                    return Ok(None);
                };
                match topic.error().map(RDKafkaErrorCode::from) {
                    None if !topic.partitions().is_empty() => return Ok(Some(topic.partitions().len())),
                    None | Some(RDKafkaErrorCode::UnknownTopicOrPartition) => return Ok(None),
                    Some(RDKafkaErrorCode::LeaderNotAvailable) => {
                        // The cluster is electing one; ask again shortly, not at once.
                        std::thread::sleep(Duration::from_millis(100));
                        "the topic has no leader yet".to_string()
                    }
                    Some(RDKafkaErrorCode::TopicAuthorizationFailed) => bail!(
                        "not authorized to use topic \"{}\"\n\nhint: Check the credentials passed with -X (sasl.username, sasl.password) and the topic's ACLs.",
                        plan.name
                    ),
                    Some(code) => bail!("cannot use topic \"{}\": {code}", plan.name),
                }
            }
            // The client-wide error (such as a refused connection) says more than the
            // metadata request's own failure; polling serves it to the tracker.
            Err(e) => {
                // A failed attempt can return at once (a refused connection): waiting
                // here while serving events keeps the loop from spinning and lets the
                // client's own error arrive.
                producer.poll(Duration::from_millis(200).min(deadline.saturating_duration_since(Instant::now())));
                // The first error names the cause ("connection refused"); later ones
                // tend to be the summary "1/1 brokers are down".
                if let Some(error) = producer.context().take_error() {
                    client_error.get_or_insert(error);
                }
                client_error.clone().unwrap_or_else(|| e.to_string())
            }
        };
        let now = Instant::now();
        if plan.stop.load(Ordering::Relaxed) {
            bail!("stopped while waiting for the cluster at \"{}\": {error}", plan.bootstrap);
        }
        if now >= deadline {
            return Err(unreachable_error(plan, &error));
        }
        progress.error(now, &format!("waiting for the cluster at \"{}\": {error}", plan.bootstrap));
    }
}

fn unreachable_error(plan: &TopicPlan<'_>, error: &str) -> anyhow::Error {
    anyhow!(
        "cannot reach Kafka at \"{}\" within {} ms: {error}\n\n\
         hint: Check --bootstrap-servers and that the broker is running. Security settings go through -X, \
         for example -X security.protocol=SASL_SSL -X sasl.mechanism=PLAIN. The wait is set by -X message.timeout.ms.",
        plan.bootstrap,
        plan.patience.as_millis()
    )
}

/// Creates the topic through the admin API; an "already exists" answer (another
/// producer won the race) is fine.
fn create(config: &ClientConfig, plan: &TopicPlan<'_>) -> Result<()> {
    let partitions = plan.partitions.unwrap_or(1);
    let admin: AdminClient<DefaultClientContext> =
        config.create().map_err(|e| anyhow!("cannot create a Kafka admin client: {e}"))?;
    let topic = NewTopic::new(plan.name, partitions, TopicReplication::Fixed(plan.replication_factor));
    let options = AdminOptions::new().request_timeout(Some(plan.patience)).operation_timeout(Some(plan.patience));
    let results = block_on(admin.create_topics([&topic], &options))
        .map_err(|e| anyhow!("cannot create topic \"{}\": {e}", plan.name))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, RDKafkaErrorCode::InvalidReplicationFactor | RDKafkaErrorCode::PolicyViolation)) => bail!(
                "cannot create topic \"{name}\" with {partitions} partitions and replication factor {}\n\n\
                 hint: Set --replication-factor to what the cluster requires (hosted clusters often want 3), \
                 or create the topic yourself.",
                plan.replication_factor
            ),
            Err((name, code)) => bail!("cannot create topic \"{name}\": {code}"),
        }
    }
    Ok(())
}
