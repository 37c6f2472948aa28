-- CURRENT_WATERMARK(ts): NULL before the first watermark, then each row sees the
-- watermark the rows before it raised (late rows included)
CREATE TABLE ev (
  k STRING, v INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/late_events.json', 'format' = 'json');
CREATE TABLE out_t (k STRING, v INT, ts TIMESTAMP(3), wm TIMESTAMP(3), late BOOLEAN)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT k, v, ts, CURRENT_WATERMARK(ts), ts <= CURRENT_WATERMARK(ts) FROM ev;
