-- uncorrelated EXISTS and NOT EXISTS: a semi and an anti join without keys, every row waiting for (or retracted by) the first subquery row
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, name STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'exists', id, name FROM l WHERE EXISTS (SELECT 1 FROM r WHERE tag = 'z') AND id <= 4
UNION ALL
SELECT 'not-exists-some', id, name FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE tag = 'w') AND id >= 8
UNION ALL
SELECT 'not-exists-none', id, name FROM l WHERE NOT EXISTS (SELECT * FROM r WHERE amount > 1000) AND id BETWEEN 4 AND 6;
