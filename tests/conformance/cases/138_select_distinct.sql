-- SELECT DISTINCT without GROUP BY (a GROUP BY of every column, NULLs equal), and a correlated IN over a SELECT DISTINCT
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, name STRING, city STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT DISTINCT 'distinct', name, city FROM l
UNION ALL
SELECT 'in-distinct', name, city FROM l WHERE amount IN (SELECT DISTINCT amount FROM r WHERE r.name = l.name);
