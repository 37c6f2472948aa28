-- the ARRAY_* and MAP_* functions, with NULL arrays, NULL elements and empty arrays
CREATE TABLE fn_arrays (id INT, a ARRAY<INT>, b ARRAY<INT>, s ARRAY<STRING>, m MAP<STRING, INT>, n MAP<STRING, INT>)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_arrays.json', 'format' = 'json');
CREATE TABLE out_t (id INT, app ARRAY<INT>, app_null ARRAY<INT>, pre ARRAY<INT>, cat ARRAY<INT>, cat3 ARRAY<INT>,
  dis ARRAY<INT>, exc ARRAY<INT>, itx ARRAY<INT>, uni ARRAY<INT>, j1 STRING, j2 STRING, mx INT, mn INT, smx STRING,
  pos INT, pos_null INT, rem ARRAY<INT>, rem_null ARRAY<INT>, rev ARRAY<INT>, sl1 ARRAY<INT>, sl2 ARRAY<INT>,
  sl3 ARRAY<INT>, sl4 ARRAY<INT>, so1 ARRAY<INT>, so2 ARRAY<INT>, so3 ARRAY<INT>, sos ARRAY<STRING>,
  mk ARRAY<STRING>, mv ARRAY<INT>, me_n INT, mfa_v ARRAY<INT>, mu_k ARRAY<STRING>,
  mu_v ARRAY<INT>, ac BOOLEAN, t1 STRING, t2 STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, ARRAY_APPEND(a, id), ARRAY_APPEND(a, CAST(NULL AS INT)), ARRAY_PREPEND(a, 0), ARRAY_CONCAT(a, b),
  ARRAY_CONCAT(a, b, ARRAY[100]), ARRAY_DISTINCT(a), ARRAY_EXCEPT(a, b), ARRAY_INTERSECT(a, b), ARRAY_UNION(a, b),
  ARRAY_JOIN(s, ','), ARRAY_JOIN(s, '|', '?'), ARRAY_MAX(a), ARRAY_MIN(a), ARRAY_MAX(s),
  ARRAY_POSITION(a, 3), ARRAY_POSITION(a, CAST(NULL AS INT)), ARRAY_REMOVE(a, 5), ARRAY_REMOVE(a, CAST(NULL AS INT)),
  ARRAY_REVERSE(a), ARRAY_SLICE(a, 2, 3), ARRAY_SLICE(a, -2), ARRAY_SLICE(a, 0, -3), ARRAY_SLICE(a, 4, 2),
  ARRAY_SORT(a), ARRAY_SORT(a, FALSE), ARRAY_SORT(a, TRUE, FALSE), ARRAY_SORT(s),
  ARRAY_SORT(MAP_KEYS(m)), ARRAY_SORT(MAP_VALUES(m)), CARDINALITY(MAP_ENTRIES(m)),
  ARRAY_SORT(MAP_VALUES(MAP_FROM_ARRAYS(ARRAY['x', 'y'], ARRAY[id, id * 2]))),
  ARRAY_SORT(MAP_KEYS(MAP_UNION(m, n))), ARRAY_SORT(MAP_VALUES(MAP_UNION(m, n))),
  ARRAY_CONTAINS(a, CAST(NULL AS INT)), TYPEOF(ARRAY_POSITION(a, 3)), TYPEOF(MAP_ENTRIES(m))
FROM fn_arrays;
