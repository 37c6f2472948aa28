-- A lookup join needs an equality on the looked-up table's columns.
CREATE TABLE orders (id INT, amount DOUBLE, pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE hosts (id INT, threshold INT)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT o.id FROM orders AS o JOIN hosts FOR SYSTEM_TIME AS OF o.pt AS h ON o.amount > h.threshold;
