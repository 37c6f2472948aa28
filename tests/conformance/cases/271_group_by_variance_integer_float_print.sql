-- The variance family in an updating GROUP BY over INT, TINYINT and FLOAT arguments, which Flink computes
-- in doubles here (in an OVER window it computes them in the argument's type: 260, 269), through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (k STRING, vp INT, vs INT, sp INT, ss INT, vt TINYINT, vf FLOAT, sf FLOAT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT k, VAR_POP(v), VAR_SAMP(v), STDDEV_POP(v), STDDEV_SAMP(v), VAR_SAMP(CAST(v * 3 AS TINYINT)),
  VAR_POP(CAST(CASE WHEN ABS(d) < 1000 THEN d END AS FLOAT)), STDDEV_SAMP(CAST(CASE WHEN ABS(d) < 1000 THEN d END AS FLOAT))
FROM ev
GROUP BY k;
