-- EXCEPT: distinct left rows absent on the right (an anti join: rows retracted as the right side arrives)
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (name STRING, city STRING, amount INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT name, city, amount FROM l
EXCEPT
SELECT name, city, amount FROM r;
