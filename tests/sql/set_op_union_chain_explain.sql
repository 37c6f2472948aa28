-- A chain of UNIONs is one GROUP BY over one union of every branch (Calcite's
-- UnionMergeRule), with the branches cast to their common types.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT client FROM orders UNION SELECT client FROM clients UNION SELECT CAST(credit AS BIGINT) FROM clients UNION ALL SELECT id FROM orders;
