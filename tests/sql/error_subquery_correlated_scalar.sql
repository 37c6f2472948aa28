-- A scalar subquery that refers to the enclosing query (correlated) is not decorrelated yet;
-- the error points at the reference.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT id, (SELECT MAX(credit) FROM clients c WHERE c.client = o.client) AS credit FROM orders o;
