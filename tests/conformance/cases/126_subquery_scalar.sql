-- uncorrelated scalar subqueries in the SELECT list and WHERE: joined to every row and revised as their aggregate changes; an aggregate over no rows gives NULL in a stream
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (id INT, name STRING, amount INT, total INT, nothing BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, name, amount,
  (SELECT SUM(amount) FROM r WHERE tag = 'x') AS total,
  (SELECT COUNT(*) FROM r WHERE tag = 'none') AS nothing
FROM l
WHERE amount >= (SELECT AVG(amount) FROM r) - 10;
