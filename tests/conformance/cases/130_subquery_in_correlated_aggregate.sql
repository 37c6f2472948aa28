-- IN over a correlated subquery with GROUP BY: the correlation column joins the grouping keys; EXISTS over a correlated HAVING
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (q STRING, id INT, name STRING, amount INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'in', id, name, amount FROM l
WHERE amount IN (SELECT MAX(amount) FROM r WHERE r.name = l.name GROUP BY tag)
UNION ALL
SELECT 'exists', id, name, amount FROM l
WHERE EXISTS (SELECT city FROM r WHERE r.city = l.city GROUP BY city HAVING COUNT(*) > 1);
