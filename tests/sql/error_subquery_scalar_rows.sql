-- A scalar subquery must return one row at most; Flink checks it at run time, Sluice runs
-- the shapes that cannot return more (an aggregate without GROUP BY).
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT id FROM orders WHERE amount > (SELECT credit FROM clients WHERE tier = 'gold');
