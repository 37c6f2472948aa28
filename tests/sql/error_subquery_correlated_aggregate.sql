-- An IN subquery with GROUP BY may not refer to the enclosing query: Sluice decorrelates only
-- a plain SELECT ... FROM ... WHERE.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT id FROM orders o WHERE amount IN (SELECT MAX(credit) FROM clients c WHERE c.client = o.client GROUP BY tier);
