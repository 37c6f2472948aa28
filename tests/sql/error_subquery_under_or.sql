-- IN and EXISTS subqueries run as semi and anti joins when they are AND-ed conditions of
-- a WHERE clause; under OR (a mark join in Flink) they are not supported yet.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT id FROM orders WHERE amount > 100 OR client IN (SELECT client FROM clients WHERE tier = 'gold');
