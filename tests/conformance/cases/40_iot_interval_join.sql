-- samples of cpu1 and cpu2 on the same host within two seconds of each other (interval join; the
-- watermark delay covers every out-of-order row, since Flink interleaves the two sources by timing)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE a (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  ts AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR ts AS ts - INTERVAL '70' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE b (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  ts AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR ts AS ts - INTERVAL '70' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname VARCHAR, a_ts TIMESTAMP_LTZ(3), b_ts TIMESTAMP_LTZ(3), a_usage DOUBLE, b_usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT a.hostname, a.ts, CAST(b.ts AS TIMESTAMP_LTZ(3)), a.usage, b.usage
FROM a JOIN b ON a.hostname = b.hostname
  AND b.ts BETWEEN a.ts - INTERVAL '2' SECOND AND a.ts + INTERVAL '2' SECOND
WHERE a.cpu = 'cpu1' AND b.cpu = 'cpu2';
