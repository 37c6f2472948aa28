-- subqueries over a GROUP BY's result: a scalar subquery in HAVING and in the SELECT list, IN under OR in HAVING
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, name STRING, n BIGINT, m INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'having', name, COUNT(*), SUM(amount) FROM l GROUP BY name HAVING SUM(amount) > (SELECT AVG(amount) FROM r)
UNION ALL
SELECT 'select', name, COUNT(*), (SELECT MAX(amount) FROM r WHERE tag <> 'y') FROM l GROUP BY name
UNION ALL
SELECT 'in', name, COUNT(*), CAST(NULL AS INT) FROM l GROUP BY name HAVING name IN (SELECT name FROM r WHERE tag = 'x') OR COUNT(*) > 2;
