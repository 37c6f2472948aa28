-- ARRAY_* over strings, doubles, decimals, timestamps, rows and nested arrays; slices at the edges; MAP_UNION of three
CREATE TABLE fn_arrays (id INT, a ARRAY<INT>, b ARRAY<INT>, s ARRAY<STRING>, m MAP<STRING, INT>, n MAP<STRING, INT>)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_arrays.json', 'format' = 'json');
CREATE TABLE out_t (id INT, s1 ARRAY<STRING>, s2 ARRAY<STRING>, s3 STRING, s4 INT, d1 ARRAY<DOUBLE>, d2 DOUBLE,
  c1 ARRAY<DECIMAL(10, 2)>, t1 STRING, r1 INT, n1 ARRAY<ARRAY<INT>>, n2 INT, sl1 ARRAY<INT>, sl2 ARRAY<INT>,
  sl3 ARRAY<INT>, so1 ARRAY<INT>, so2 ARRAY<STRING>, mu ARRAY<STRING>, mv ARRAY<INT>, h STRING, rm ARRAY<STRING>)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, ARRAY_SORT(ARRAY_CONCAT(s, ARRAY['Zed', 'éclair', 'apple'])), ARRAY_DISTINCT(ARRAY_CONCAT(s, s)),
  ARRAY_MIN(ARRAY_APPEND(s, 'mid')), ARRAY_POSITION(s, 'x'),
  ARRAY_SORT(ARRAY[CAST(id AS DOUBLE) / 3, -0.5, 1e10, CAST(NULL AS DOUBLE)], FALSE, TRUE),
  ARRAY_MAX(ARRAY[CAST(id AS DOUBLE), 2.5, -1.0]),
  ARRAY_UNION(ARRAY[CAST(1.50 AS DECIMAL(10, 2)), CAST(id AS DECIMAL(10, 2))], ARRAY[CAST(1.5 AS DECIMAL(10, 2))]),
  CAST(ARRAY_MAX(ARRAY[TIMESTAMP '2024-02-29 10:00:00', TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '1' DAY * id]) AS STRING),
  CARDINALITY(ARRAY_DISTINCT(ARRAY[ROW(id, 'a'), ROW(id, 'a'), ROW(2, 'b')])),
  ARRAY_CONCAT(ARRAY[a], ARRAY[b, ARRAY[id]]), ARRAY_POSITION(ARRAY[ARRAY[1], a, b], b),
  ARRAY_SLICE(a, 0, 0), ARRAY_SLICE(a, -10, 2), ARRAY_SLICE(a, 2, -1),
  ARRAY_SORT(a, FALSE, TRUE), ARRAY_SORT(s, TRUE, FALSE),
  ARRAY_SORT(MAP_KEYS(MAP_UNION(m, n, MAP['k9', id]))), ARRAY_SORT(MAP_VALUES(MAP_UNION(m, n, MAP['k9', id]))),
  SHA2(CAST(id AS STRING), 224 + 32 * MOD(id, 2)), ARRAY_REMOVE(s, CAST(NULL AS STRING))
FROM fn_arrays;
