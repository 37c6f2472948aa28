-- IN and EXISTS as values (under OR, in the SELECT list), rewritten as Calcite does: a join with the subquery's
-- counts and a LEFT join with its distinct values, three-valued. Flink's surprise: while the IN subquery is empty its
-- global COUNT emits no row, so the inner join with it keeps every row out ('or-empty' is empty)
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, v STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'or-empty', id, name FROM l WHERE amount > 30 OR name IN (SELECT name FROM r WHERE tag = 'none')
UNION ALL
SELECT 'or-some', id, name FROM l WHERE amount > 30 OR name IN (SELECT name FROM r WHERE tag = 'y')
UNION ALL
SELECT 'select-in', id, CAST(name IN (SELECT name FROM r WHERE tag = 'x') AS STRING) FROM l
UNION ALL
SELECT 'select-not-in', id, CAST(name NOT IN (SELECT name FROM r WHERE tag = 'y') AS STRING) FROM l
UNION ALL
SELECT 'exists-or', id, name FROM l WHERE id > 9 OR EXISTS (SELECT 1 FROM r WHERE tag = 'none')
UNION ALL
SELECT 'select-not-exists', id, CAST(NOT EXISTS (SELECT 1 FROM r WHERE tag = 'w') AS STRING) FROM l WHERE id < 3;
