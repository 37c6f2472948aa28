-- A subquery in a JOIN condition is not supported yet; the error points at it.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT o.id FROM orders o JOIN clients c ON o.client = c.client AND c.tier IN (SELECT tier FROM clients WHERE credit > 10);
