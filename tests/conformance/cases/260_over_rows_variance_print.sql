-- The variance family in an OVER window over the last three rows per key (a bounded ROWS frame, which
-- takes rows back), over INT, DOUBLE and DECIMAL arguments with NULLs, through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, sp1 DOUBLE, ss1 DOUBLE, vp1 DOUBLE, vs1 DOUBLE, sp2 DOUBLE, vs2 DOUBLE, vp3 DECIMAL(38, 6))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k,
  STDDEV_POP(v) OVER w, STDDEV_SAMP(v) OVER w, VAR_POP(v) OVER w, VAR_SAMP(v) OVER w,
  STDDEV_POP(d) OVER w, VAR_SAMP(d) OVER w, VAR_POP(m) OVER w
FROM ev
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
