-- OBJECT_UPDATE: replacing fields (their types too), with NULL values, several fields at once, none at all, on a NULL object, and nested in OBJECT_OF
CREATE TABLE fn_json (id INT, j STRING, p STRING, k STRING, v INT, d DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_json.json', 'format' = 'json');
CREATE TABLE out_t (id INT, o STRUCTURED<'com.example.User', name STRING, age INT>, s1 STRING, s2 STRING, s3 STRING, s4 STRING, s5 STRING, t1 STRING)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id,
  OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', k, 'age', v), 'age', id * 10),
  CAST(OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', k, 'age', v), 'name', UPPER(k), 'age', CAST(NULL AS INT)) AS STRING),
  CAST(OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', k, 'age', v), 'age', d) AS STRING),
  CAST(OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', k, 'age', v)) AS STRING),
  CAST(OBJECT_UPDATE(CAST(NULL AS STRUCTURED<'c.D', a INT>), 'a', v) AS STRING),
  CAST(OBJECT_OF('x.Outer', 'in', OBJECT_UPDATE(OBJECT_OF('x.In', 'a', v, 'b', k), 'b', j)) AS STRING),
  TYPEOF(OBJECT_UPDATE(OBJECT_OF('com.example.User', 'name', k, 'age', v), 'age', d))
FROM fn_json;
