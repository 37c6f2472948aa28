-- cumulative 10 minute windows growing every 2 minutes per cpu, with FILTER and COUNT DISTINCT
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (cpu VARCHAR, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, hot BIGINT, hosts BIGINT, total DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT cpu, window_start, window_end, COUNT(*), COUNT(*) FILTER (WHERE usage > 90), COUNT(DISTINCT hostname), SUM(usage)
FROM TABLE(CUMULATE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))
GROUP BY cpu, window_start, window_end;
