-- Lookup joins: the equalities on the table's columns are the lookup keys (a key of
-- another type is cast to the column's), the rest is checked on each joined row.
CREATE TABLE orders (id INT, host_id BIGINT, amount DOUBLE, pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE hosts (id INT, name STRING, threshold INT)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT o.id, h.name FROM orders AS o
JOIN hosts FOR SYSTEM_TIME AS OF o.pt AS h ON o.host_id = h.id AND o.amount > h.threshold;
EXPLAIN SELECT o.id, h.name FROM orders AS o
LEFT JOIN hosts FOR SYSTEM_TIME AS OF o.pt AS h ON h.id = o.id + 1 AND h.name = 'doc';
