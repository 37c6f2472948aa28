-- BITMAP aggregates in OVER windows over a bounded RANGE frame (rows of one time are peers, rows leave
-- by time) and an unbounded ROWS frame, through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, s1 STRING, n1 BIGINT, s2 STRING, n2 BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.id, a.k, a.s1, a.n1, b.s2, b.n2 FROM (
  SELECT id, k, BITMAP_TO_STRING(BITMAP_BUILD_AGG(v) OVER w) AS s1,
    BITMAP_AND_CARDINALITY_AGG(BITMAP_BUILD(ARRAY[v, 1, 2])) OVER w AS n1
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '3' SECOND PRECEDING AND CURRENT ROW)
) a JOIN (
  SELECT id, BITMAP_TO_STRING(BITMAP_OR_AGG(BITMAP_BUILD(ARRAY[v, id])) OVER w) AS s2,
    BITMAP_XOR_CARDINALITY_AGG(BITMAP_BUILD(ARRAY[v])) OVER w AS n2
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) b ON a.id = b.id;
