-- The eight BITMAP aggregates in an updating GROUP BY: the input is the latest value per id (a GROUP BY that
-- retracts its old row), filtered so that rows leave their group (the WHERE drops new values of 50..1000000)
-- and a group ends empty; NULL values and NULL bitmaps are skipped, a group of only NULLs gives NULLs; through print
CREATE TABLE ev (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/bitmap_events.json', 'format' = 'json');
CREATE VIEW latest AS SELECT id, k, LAST_VALUE(v) AS v FROM ev GROUP BY id, k;
CREATE VIEW bm AS
SELECT k, v, BITMAP_BUILD(CASE WHEN v IS NULL THEN CAST(NULL AS ARRAY<INT>) ELSE ARRAY[v, v + 1, 1000] END) AS b
FROM latest WHERE v IS NULL OR v < 50 OR v > 1000000;
CREATE TABLE out_t (k STRING, build_s STRING, build_n BIGINT, and_s STRING, and_n BIGINT, or_s STRING, or_n BIGINT,
  xor_s STRING, xor_n BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT k, BITMAP_TO_STRING(BITMAP_BUILD_AGG(v)), BITMAP_BUILD_CARDINALITY_AGG(v),
  BITMAP_TO_STRING(BITMAP_AND_AGG(b)), BITMAP_AND_CARDINALITY_AGG(b),
  BITMAP_TO_STRING(BITMAP_OR_AGG(b)), BITMAP_OR_CARDINALITY_AGG(b),
  BITMAP_TO_STRING(BITMAP_XOR_AGG(b)), BITMAP_XOR_CARDINALITY_AGG(b)
FROM bm GROUP BY k;
