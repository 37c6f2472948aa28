-- IN correlated on another column, NOT IN correlated (anti join keyed on the correlation, NULL-aware on the IN values)
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, name STRING, amount INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'in', id, name, amount FROM l AS o
WHERE amount IN (SELECT amount FROM r WHERE r.name = o.name)
UNION ALL
SELECT 'not-in', id, name, amount FROM l AS o
WHERE amount NOT IN (SELECT amount FROM r WHERE r.city = o.city);
