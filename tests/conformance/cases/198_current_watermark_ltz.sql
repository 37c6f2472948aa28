-- CURRENT_WATERMARK of a TIMESTAMP_LTZ rowtime is a TIMESTAMP_LTZ(3), shown in the
-- session time zone
SET 'table.local-time-zone' = 'Asia/Shanghai';
CREATE TABLE ev (
  k STRING, v INT, ts TIMESTAMP(3),
  ts_ltz AS CAST(ts AS TIMESTAMP_LTZ(3)),
  WATERMARK FOR ts_ltz AS ts_ltz - INTERVAL '10' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/late_events.json', 'format' = 'json');
CREATE TABLE out_t (k STRING, v INT, ts_ltz TIMESTAMP_LTZ(3), wm STRING, behind BOOLEAN)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT k, v, ts_ltz, CAST(CURRENT_WATERMARK(ts_ltz) AS STRING), ts_ltz <= CURRENT_WATERMARK(ts_ltz)
FROM ev;
