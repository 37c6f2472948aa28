-- NOT IN with SQL's NULL semantics: a NULL on the left is never NOT IN a non-empty set, and a set holding NULL keeps nothing
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, name STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'no-null-in-set', id, name FROM l WHERE name NOT IN (SELECT name FROM r WHERE tag = 'y')
UNION ALL
SELECT 'null-in-set', id, name FROM l WHERE name NOT IN (SELECT name FROM r WHERE tag = 'x')
UNION ALL
SELECT 'empty-set', id, name FROM l WHERE name NOT IN (SELECT name FROM r WHERE tag = 'none') AND id <= 6
UNION ALL
SELECT 'two-columns', id, name FROM l WHERE (name, amount) NOT IN (SELECT name, amount FROM r WHERE name IS NOT NULL AND amount IS NOT NULL);
