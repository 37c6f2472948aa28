-- correlated EXISTS and IN as values (in the SELECT list, under OR): LEFT joins on the correlation with the
-- subquery's distinct keys and per-key counts; a correlation key without rows gives FALSE, a NULL IN value NULL
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, v STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'select-exists', id, CAST(EXISTS (SELECT 1 FROM r WHERE r.name = l.name AND r.tag <> 'w') AS STRING) FROM l
UNION ALL
SELECT 'or-exists', id, name FROM l WHERE id > 9 OR EXISTS (SELECT 1 FROM r WHERE r.city = l.city AND r.tag = 'x')
UNION ALL
SELECT 'select-in', id, CAST(amount IN (SELECT amount FROM r WHERE r.city = l.city) AS STRING) FROM l;
