-- subqueries inside subqueries, in a view and a CTE: IN of an IN, NOT IN of an EXCEPT
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE VIEW tagged AS SELECT name, city FROM r WHERE tag IN (SELECT tag FROM r WHERE city IS NULL);
CREATE TABLE out_t (q STRING, id INT, name STRING, city STRING) WITH ('connector' = 'print');
INSERT INTO out_t
WITH remote AS (SELECT city FROM l EXCEPT SELECT city FROM r WHERE tag = 'x')
SELECT 'in-view', id, name, city FROM l WHERE name IN (SELECT name FROM tagged WHERE city = 'Oslo' OR city IS NULL)
UNION ALL
SELECT 'not-in-except', id, name, city FROM l WHERE city NOT IN (SELECT city FROM remote WHERE city IS NOT NULL) AND city IS NOT NULL;
