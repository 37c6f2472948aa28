-- OBJECT_OF: structured objects from columns and literals, NULL fields, nested objects, arrays and maps in fields, field access, CAST to STRING, TYPEOF and equality
CREATE TABLE fn_json (id INT, j STRING, p STRING, k STRING, v INT, d DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_json.json', 'format' = 'json');
CREATE TABLE out_t (id INT, o STRUCTURED<'com.example.User', name STRING, age INT>, s1 STRING, s2 STRING, s3 STRING, t1 STRING, t2 STRING, n STRING, a INT, e1 BOOLEAN, e2 BOOLEAN)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id,
  OBJECT_OF('com.example.User', 'name', k, 'age', v),
  CAST(OBJECT_OF('com.example.User', 'name', k, 'age', v) AS STRING),
  CAST(OBJECT_OF('org.acme.Reading', 'id', id, 'value', d, 'tags', ARRAY[k, 'z'], 'inner', OBJECT_OF('org.acme.Inner', 'v', v, 'm', MAP['k', v])) AS STRING),
  CAST(OBJECT_OF('Empty') AS STRING),
  TYPEOF(OBJECT_OF('com.example.User', 'name', k, 'age', v)),
  TYPEOF(OBJECT_OF('org.acme.Reading', 'id', id, 'inner', OBJECT_OF('org.acme.Inner', 'v', v), 'lit', 'abc')),
  OBJECT_OF('com.example.User', 'name', k, 'age', v).name,
  OBJECT_OF('com.example.User', 'name', k, 'age', v).age,
  OBJECT_OF('a.B', 'x', v) = OBJECT_OF('a.B', 'x', id),
  OBJECT_OF('a.B', 'x', k) = OBJECT_OF('a.B', 'x', p)
FROM fn_json;
