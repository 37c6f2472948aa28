-- The eight BITMAP aggregates over 10 s TUMBLE windows (window TVF), with NULL values, NULL bitmaps and
-- negative members (unsigned order), into files
CREATE TABLE ev (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/bitmap_events.json', 'format' = 'json');
CREATE TABLE out_t (k STRING, ws TIMESTAMP(3), we TIMESTAMP(3), build_s STRING, build_n BIGINT, and_s STRING, and_n BIGINT,
  or_s STRING, or_n BIGINT, xor_s STRING, xor_n BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT k, window_start, window_end, BITMAP_TO_STRING(BITMAP_BUILD_AGG(v)), BITMAP_BUILD_CARDINALITY_AGG(v),
  BITMAP_TO_STRING(BITMAP_AND_AGG(b)), BITMAP_AND_CARDINALITY_AGG(b),
  BITMAP_TO_STRING(BITMAP_OR_AGG(b)), BITMAP_OR_CARDINALITY_AGG(b),
  BITMAP_TO_STRING(BITMAP_XOR_AGG(b)), BITMAP_XOR_CARDINALITY_AGG(b)
FROM (SELECT *, BITMAP_BUILD(CASE WHEN v IS NULL THEN CAST(NULL AS ARRAY<INT>) ELSE ARRAY[v, v + 1, 1000] END) AS b
      FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)))
GROUP BY k, window_start, window_end;
