-- BITMAP aggregates in an OVER window over the last three rows per key (a bounded frame, which takes rows
-- back), through print
CREATE TABLE ev (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/bitmap_events.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, ts TIMESTAMP(3), s1 STRING, n1 BIGINT, s2 STRING, s3 STRING, n3 BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k, ts,
  BITMAP_TO_STRING(BITMAP_BUILD_AGG(v) OVER w), BITMAP_BUILD_CARDINALITY_AGG(v) OVER w,
  BITMAP_TO_STRING(BITMAP_AND_AGG(BITMAP_BUILD(ARRAY[v, 1])) OVER w),
  BITMAP_TO_STRING(BITMAP_XOR_AGG(BITMAP_BUILD(ARRAY[v, 1])) OVER w),
  BITMAP_OR_CARDINALITY_AGG(BITMAP_BUILD(ARRAY[v, 1])) OVER w
FROM ev
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
