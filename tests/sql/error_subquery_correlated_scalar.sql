-- A correlated scalar subquery runs when it is an aggregate without GROUP BY; one whose
-- SELECT list refers to the enclosing query is not decorrelated yet.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT id, (SELECT MAX(credit) + o.amount FROM clients c WHERE c.client = o.client) AS credit FROM orders o;
