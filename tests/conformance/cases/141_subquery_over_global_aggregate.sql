-- subqueries over an aggregate without GROUP BY. EXISTS of one is TRUE whatever the rows, as Calcite's minimum
-- row count says (although in a stream such an aggregate emits nothing for no rows); a correlated one is grouped by
-- the correlation, so NOT IN of a missing group keeps the row and IN of a COUNT never meets 0, as in Flink
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, v STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'exists-count', id, name FROM l WHERE EXISTS (SELECT COUNT(*) FROM r WHERE r.name = l.name) AND id < 4
UNION ALL
SELECT 'not-exists-count', id, name FROM l WHERE NOT EXISTS (SELECT COUNT(*) FROM r WHERE r.name = l.name)
UNION ALL
SELECT 'exists-uncorrelated', id, name FROM l WHERE EXISTS (SELECT MAX(amount) FROM r WHERE tag = 'none') AND id < 3
UNION ALL
SELECT 'exists-value', id, CAST(NOT EXISTS (SELECT SUM(amount) FROM r WHERE tag = 'none') AS STRING) FROM l WHERE id < 3
UNION ALL
SELECT 'not-in-max', id, name FROM l WHERE amount NOT IN (SELECT MAX(amount) FROM r WHERE r.name = l.name)
UNION ALL
SELECT 'in-count', id, name FROM l WHERE CAST(id - id AS BIGINT) IN (SELECT COUNT(*) FROM r WHERE r.name = l.name);
