-- An anti join (NOT EXISTS, NOT IN, EXCEPT) retracts a row once a match for it arrives, so its
-- result is updating and an append-only sink refuses it, as in Flink.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE out_t (client INT) WITH ('connector' = 'filesystem', 'path' = '/tmp/never', 'format' = 'json');
INSERT INTO out_t SELECT client FROM orders WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.client = orders.client);
