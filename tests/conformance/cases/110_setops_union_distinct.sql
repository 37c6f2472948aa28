-- UNION without ALL: distinct rows of three branches (NULLs equal, INT and BIGINT widened), printed
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (name STRING, city STRING, amount BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT name, city, amount FROM l
UNION
SELECT name, city, CAST(amount AS BIGINT) FROM r
UNION
SELECT name, city, CAST(NULL AS INT) FROM r WHERE tag = 'z';
