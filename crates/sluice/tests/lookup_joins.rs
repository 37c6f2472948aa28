//! Lookup joins (`FOR SYSTEM_TIME AS OF` a processing-time attribute) against a CSV file
//! loaded into memory. Flink has no lookup joins on files, so there is no Flink run of
//! these scripts; but over a table that does not change, a lookup join returns the rows
//! of the regular join with the same condition, and Flink produced those (conformance
//! cases 59 and 60). The lookup versions must give exactly Flink's rows of the regular
//! joins.

mod common;

use common::*;

fn lookup_case(name: &str, sql: &str, same_as: &str) {
    let root = repo_root().join("tests/conformance");
    let dir = std::env::temp_dir().join(format!("sluice-lookup-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let case = dir.join(format!("{name}.sql"));
    std::fs::write(&case, sql).unwrap();
    let run = run_case(&case, &root.join("data"));
    let expected = read_expected(&root.join("expected").join(format!("{same_as}.expected.json")));
    let rows = run.rows.unwrap_or_else(|e| panic!("{e}"));
    if let Some(d) = diff(&expected, &rows) {
        panic!("{name} differs from Flink's rows of {same_as}: {d}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const ALARMS: &str = "SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE,
  proc_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE atoll_ranking (atoll_id STRING, ranking INT, latitude DOUBLE, longitude DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/atoll_ranking.csv', 'format' = 'csv', 'lookup.cache.ttl' = '10 min');
";

#[test]
fn left_lookup_join_on_a_csv_gives_the_regular_left_joins_rows() {
    let sql = format!(
        "{ALARMS}
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, event_time TIMESTAMP(3), ranking INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.alarm_id, a.atoll_id, a.event_time, r.ranking
FROM netcool_alarms AS a
LEFT JOIN atoll_ranking FOR SYSTEM_TIME AS OF a.proc_time AS r ON a.atoll_id = r.atoll_id
WHERE a.severity = 5 AND a.alarm_type = 'PowerFailure' AND a.atoll_id <= 'ATL010';
"
    );
    lookup_case("left", &sql, "60_alarms_ranking_left_join");
}

#[test]
fn inner_lookup_join_with_a_residual_gives_the_regular_joins_rows() {
    // The seed's PostgreSQL thresholds pipeline, with the thresholds in a CSV file.
    let sql = "SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  proc_time AS PROCTIME(),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE cpu_thresholds (host STRING, threshold INT)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/cpu_thresholds.csv', 'format' = 'csv');
CREATE TABLE out_t (hostname VARCHAR, cpu VARCHAR, usage DOUBLE, threshold INT, over_by DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT i.hostname, i.cpu, i.usage, t.threshold, i.usage - t.threshold
FROM iot_in AS i
JOIN cpu_thresholds FOR SYSTEM_TIME AS OF i.proc_time AS t ON i.hostname = t.host AND i.usage >= 99;
";
    lookup_case("inner", sql, "59_iot_thresholds_join");
}
