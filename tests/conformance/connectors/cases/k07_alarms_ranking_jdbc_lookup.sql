-- topic netcool_alarms: file=alarms.json partitions=2 key=alarm_id
-- topic alarms_ranked: partitions=1
-- postgres: CREATE TABLE atoll_ranking (atoll_id TEXT PRIMARY KEY, ranking INT, latitude DOUBLE PRECISION, longitude DOUBLE PRECISION)
-- postgres-csv atoll_ranking: atoll_ranking.csv
-- result: topic alarms_ranked
-- seed 000: Netcool power-failure alarms enriched with the atoll's ranking from a JDBC
-- table with a lookup cache (a LEFT lookup join, so alarms of atolls without a ranking
-- stay, with NULL). Flink 2.3 refuses the seed's `FOR SYSTEM_TIME AS OF PROCTIME()`
-- ("Unsupported time travel expression"), so the alarms table gets a proctime column.
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE,
  proc_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka', 'properties.bootstrap.servers' = '${KAFKA}',
  'topic' = 'netcool_alarms', 'value.format' = 'json',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'
);
CREATE TEMPORARY TABLE site_ranker (
  atoll_id STRING, ranking INT, latitude DOUBLE, longitude DOUBLE,
  PRIMARY KEY (atoll_id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc', 'url' = '${POSTGRES}', 'table-name' = 'atoll_ranking',
  'username' = 'postgres', 'password' = 'unused',
  'lookup.cache.max-rows' = '5000', 'lookup.cache.ttl' = '10min');
CREATE TABLE alarms_ranked (alarm_id STRING, atoll_id STRING, event_time TIMESTAMP(3), ranking INT) WITH (
  'connector' = 'kafka', 'properties.bootstrap.servers' = '${KAFKA}',
  'topic' = 'alarms_ranked', 'value.format' = 'json');
INSERT INTO alarms_ranked
SELECT a.alarm_id, a.atoll_id, a.event_time, r.ranking
FROM netcool_alarms AS a
LEFT JOIN site_ranker FOR SYSTEM_TIME AS OF a.proc_time AS r ON a.atoll_id = r.atoll_id
WHERE a.severity >= 4 AND a.atoll_id <= 'ATL040';
