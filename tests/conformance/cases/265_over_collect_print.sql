-- COLLECT in OVER windows over the last four rows per key (a bounded ROWS frame, which takes rows back)
-- and over every row so far (RANGE UNBOUNDED PRECEDING), of small INT values (whose multiset Flink prints
-- in value order, a Java HashMap's order for them), through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, c1 MULTISET<INT>, c2 MULTISET<INT>)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.id, a.k, a.c1, b.c2 FROM (
  SELECT id, k, COLLECT(CASE WHEN v BETWEEN 0 AND 15 THEN v END) OVER w AS c1
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
) a JOIN (
  SELECT id, COLLECT(MOD(id, 7)) OVER w AS c2
  FROM ev
  WINDOW w AS (ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) b ON a.id = b.id;
