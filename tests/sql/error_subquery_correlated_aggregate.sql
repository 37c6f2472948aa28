-- A subquery with GROUP BY or aggregates may compare its columns with the enclosing query's
-- only with = (the compared columns become grouping keys, as Flink decorrelates it).
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT id FROM orders o WHERE amount IN (SELECT MAX(credit) FROM clients c WHERE c.client = o.client AND c.credit > o.amount GROUP BY tier);
