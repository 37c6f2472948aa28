-- INTERSECT ALL: each row as many times as the smaller of its counts on both sides
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (name STRING, city STRING, amount INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT name, city, amount FROM l
INTERSECT ALL
SELECT name, city, amount FROM r;
