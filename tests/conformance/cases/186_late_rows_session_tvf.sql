-- a SESSION window TVF on its own drops the rows whose session has already closed
CREATE TABLE ev (
  k STRING, v INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/late_events.json', 'format' = 'json');
CREATE TABLE out_t (k STRING, v INT, window_start TIMESTAMP(3), window_end TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT k, v, window_start, window_end
FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), INTERVAL '20' SECOND));
