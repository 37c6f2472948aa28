-- charset aliases, invalid UTF-8, BIN/HEX of negative numbers, TRANSLATE/ELT/STR_TO_MAP edge cases
CREATE TABLE fn_edge (id INT, t STRING)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_edge.json', 'format' = 'json');
CREATE TABLE out_t (id INT, e1 STRING, e2 STRING, e3 STRING, d1 STRING, d2 STRING, b1 STRING, h1 STRING, h2 STRING,
  tr1 STRING, tr2 STRING, el1 STRING, el2 STRING, m1 STRING, m2 STRING, c1 INT, u1 STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, HEX(DECODE(ENCODE(t, 'utf8'), 'UTF-8')), TO_BASE64(DECODE(ENCODE(t, 'latin1'), 'ISO-8859-1')),
  DECODE(ENCODE(t, 'ASCII'), 'us-ascii'), DECODE(UNHEX('E9FF41'), 'UTF-8'), DECODE(UNHEX('00410042'), 'UTF-16'),
  BIN(-id), HEX(-id * 1000), HEX(CAST(id AS TINYINT) - CAST(20 AS TINYINT)),
  TRANSLATE(t, 'aab', 'xyz'), TRANSLATE(t, 'a', ''), ELT(id - 10, 'p', 'q', 'r'), ELT(CAST(NULL AS INT), 'p'),
  STR_TO_MAP(t, ';', '=')['x'], STR_TO_MAP(t)['a'], CHAR_LENGTH(CHR(id * 256)), URL_DECODE('%E9%41+' || CAST(id AS STRING))
FROM fn_edge;
