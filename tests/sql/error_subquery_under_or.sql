-- IN and EXISTS outside an AND-ed WHERE condition (under OR, in SELECT) run as Calcite's mark
-- joins, correlated on equalities; another correlation there is not decorrelated yet.
CREATE TABLE orders (id INT, client INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE clients (client INT, tier STRING, credit INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT id FROM orders o WHERE amount > 100 OR client IN (SELECT client FROM clients c WHERE c.credit > o.amount);
