-- JSON_OBJECT, JSON_ARRAY and JSON_STRING over maps, rows, nested arrays, bytes, timestamps, dates and decimals
CREATE TABLE fn_arrays (id INT, a ARRAY<INT>, b ARRAY<INT>, s ARRAY<STRING>, m MAP<STRING, INT>, n MAP<STRING, INT>)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_arrays.json', 'format' = 'json');
CREATE TABLE out_t (id INT, o1 STRING, o2 STRING, o3 STRING, a1 STRING, a2 STRING, s1 STRING, s2 STRING, s3 STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id,
  JSON_OBJECT('a' VALUE a, 's' VALUE s, 'r' VALUE ROW(id, 'x')),
  JSON_OBJECT('ts' VALUE TIMESTAMP '2024-02-29 10:11:12.345', 'lt' VALUE TO_TIMESTAMP_LTZ(id * 1000, 3)),
  JSON_OBJECT('bytes' VALUE ENCODE('hi', 'UTF-8'), 'dec' VALUE CAST(id AS DECIMAL(10, 3)) / 4, 'f' VALUE CAST(id AS FLOAT) / 3),
  JSON_ARRAY(a, ARRAY[ARRAY[id], ARRAY[id, id]], ROW(s, id)),
  JSON_ARRAY(CAST(NULL AS INT), TRUE, 'x' NULL ON NULL),
  JSON_STRING(a), JSON_STRING(ROW(id, s)), JSON_STRING(ARRAY[ROW(id, 1.5)])
FROM fn_arrays;
