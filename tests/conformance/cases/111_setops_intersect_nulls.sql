-- INTERSECT: distinct rows present on both sides; NULL equals NULL as in a set operation
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (name STRING, city STRING, amount INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT name, city, amount FROM l
INTERSECT
SELECT name, city, amount FROM r;
