-- IN (SELECT ...), uncorrelated: a semi join; a NULL on the left matches nothing, a NULL in the subquery changes nothing
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (id INT, name STRING, amount INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, name, amount FROM l
WHERE name IN (SELECT name FROM r WHERE tag = 'x') AND id <> 4;
