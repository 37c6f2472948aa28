-- EXPLAIN of Top-N and deduplication without a window: a Rank with the row number, one
-- whose row number is filtered on, one over an updating input (rn = N keeps the N-th),
-- and deduplication on processing time (keep last) and event time (keep first).
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  proc AS PROCTIME(),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT hostname, cpu, usage, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY hostname ORDER BY usage DESC) AS rn FROM iot_in
) WHERE rn <= 3;
EXPLAIN SELECT cpu, hostname, usage FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY cpu ORDER BY usage ASC, hostname) AS rn FROM iot_in
) WHERE rn < 3 AND usage > 10;
EXPLAIN SELECT hostname, n, rn FROM (
  SELECT hostname, n, ROW_NUMBER() OVER (ORDER BY n DESC) AS rn
  FROM (SELECT hostname, COUNT(*) AS n FROM iot_in GROUP BY hostname)
) WHERE rn = 2;
EXPLAIN SELECT hostname, cpu, usage FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY hostname ORDER BY proc DESC) AS rn FROM iot_in
) WHERE rn = 1;
EXPLAIN SELECT hostname, cpu, usage, time_ltz FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY hostname, cpu ORDER BY time_ltz ASC) AS rn FROM iot_in
) WHERE rn <= 1;
