-- A connector without lookups (datagen) cannot be the table of a lookup join.
CREATE TABLE orders (id INT, pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE hosts (id INT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
SELECT o.id, h.name FROM orders AS o JOIN hosts FOR SYSTEM_TIME AS OF o.pt AS h ON o.id = h.id;
