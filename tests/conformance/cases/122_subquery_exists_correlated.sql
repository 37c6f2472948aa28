-- EXISTS and NOT EXISTS correlated on equality plus a non-equi condition on the enclosing row. Flink
-- decorrelates a non-equi condition through the distinct enclosing values joined back with '=', so an
-- enclosing row whose amount is NULL never matches (cid), although 'r.amount IS NULL' would hold
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, name STRING, city STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'exists', id, name, city FROM l
WHERE EXISTS (SELECT * FROM r WHERE r.city = l.city AND r.tag <> 'w' AND (r.amount >= l.amount OR r.amount IS NULL))
UNION ALL
SELECT 'not-exists', id, name, city FROM l
WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.name = l.name AND r.tag IN ('x', 'z'))
UNION ALL
SELECT 'not-exists-non-equi', id, name, city FROM l
WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.city = l.city AND (r.amount > l.amount OR r.tag = 'z'));
