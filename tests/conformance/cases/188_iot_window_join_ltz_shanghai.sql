-- a window join on TIMESTAMP_LTZ windows in a non-UTC session time zone: cpu1 and cpu2 samples of a
-- host in the same local minute (the watermark delay covers every out-of-order row, since Flink
-- interleaves the two sources by timing)
SET 'table.local-time-zone' = 'Asia/Shanghai';
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
CREATE TABLE out_t (hostname VARCHAR, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, peak DOUBLE, low DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT x.hostname, x.window_start, x.window_end, COUNT(*), MAX(x.usage), MIN(y.usage)
FROM (SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) WHERE cpu = 'cpu1' AND usage > 95) x
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) WHERE cpu = 'cpu2' AND usage > 95) y
ON x.hostname = y.hostname AND x.window_start = y.window_start AND x.window_end = y.window_end
GROUP BY x.hostname, x.window_start, x.window_end;
