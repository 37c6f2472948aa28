-- How set operations and subqueries are planned: semi and anti joins, GROUP BY for distinct
-- rows, REPLICATE_ROWS for INTERSECT ALL and EXCEPT ALL, a LEFT join for a scalar subquery.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE out_t (id INT) WITH ('connector' = 'blackhole');
EXPLAIN INSERT INTO out_t SELECT id FROM orders o WHERE client IN (SELECT client FROM clients WHERE tier = 'gold') AND NOT EXISTS (SELECT 1 FROM clients c WHERE c.client = o.client AND c.credit < o.amount);
EXPLAIN INSERT INTO out_t SELECT id FROM orders WHERE client NOT IN (SELECT client FROM clients) AND amount > (SELECT AVG(amount) FROM orders);
EXPLAIN INSERT INTO out_t SELECT client FROM orders UNION SELECT client FROM clients EXCEPT ALL SELECT credit FROM clients;
