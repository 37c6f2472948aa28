//! How the planner wires updating results into sinks: which operators a job gets, and
//! when an upsert materialiser is put in front of an upsert sink.

use sluice_connector_api::ConnectorRegistry;
use sluice_planner::{Session, StatementOutcome};

fn operators(script: &str) -> Vec<String> {
    let mut registry = ConnectorRegistry::default();
    sluice_connectors::register_all(&mut registry);
    let mut session = Session::new(registry);
    let mut job = None;
    for statement in sluice_sql::parse_statements(script).expect("script parses") {
        match session.execute(&statement, script).expect("statement plans") {
            StatementOutcome::Job(j) => job = Some(j),
            _ => {}
        }
    }
    let job = job.expect("the script has an INSERT");
    let dataflow = session.build_dataflow(&job, None).expect("the job lowers");
    dataflow.nodes.iter().map(|n| n.name.clone()).collect()
}

const ALARMS: &str = "CREATE TABLE alarms (alarm_id STRING, atoll_id STRING, severity INT) \
    WITH ('connector' = 'datagen', 'number-of-rows' = '10');\n";

#[test]
fn upsert_sink_keyed_like_the_result_takes_the_aggregate_directly() {
    let script = format!(
        "{ALARMS}CREATE TABLE counts (severity INT, n BIGINT, PRIMARY KEY (severity) NOT ENFORCED) WITH ('connector' = 'blackhole');\n\
         INSERT INTO counts SELECT severity, COUNT(*) FROM alarms GROUP BY severity;"
    );
    let ops = operators(&script);
    assert!(ops.iter().any(|o| o == "GroupAggregateOperator"), "{ops:?}");
    assert!(!ops.iter().any(|o| o == "UpsertMaterializeOperator"), "{ops:?}");
}

#[test]
fn upsert_sink_keyed_otherwise_gets_a_materialiser() {
    // The result is keyed by (atoll_id, severity); the sink by atoll_id alone.
    let script = format!(
        "{ALARMS}CREATE TABLE counts (atoll_id STRING, n BIGINT, PRIMARY KEY (atoll_id) NOT ENFORCED) WITH ('connector' = 'blackhole');\n\
         INSERT INTO counts SELECT atoll_id, n FROM (SELECT atoll_id, severity, COUNT(*) AS n FROM alarms GROUP BY atoll_id, severity);"
    );
    let ops = operators(&script);
    let materialiser = ops.iter().position(|o| o == "UpsertMaterializeOperator").expect("a materialiser");
    assert!(ops[materialiser + 1].starts_with("Sink:"), "{ops:?}");
}

#[test]
fn append_only_results_need_no_materialiser() {
    let script = format!(
        "{ALARMS}CREATE TABLE counts (atoll_id STRING, severity INT, PRIMARY KEY (atoll_id) NOT ENFORCED) WITH ('connector' = 'blackhole');\n\
         INSERT INTO counts SELECT atoll_id, severity FROM alarms;"
    );
    let ops = operators(&script);
    assert!(!ops.iter().any(|o| o == "UpsertMaterializeOperator"), "{ops:?}");
}
