-- IN with an aggregating subquery (HAVING): transactions of clients whose count passes a bound, as it passes it
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE transactions (client INT, amount INT, ts STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/transactions.json', 'format' = 'json');
CREATE TABLE out_t (client INT, amount INT, ts STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT client, amount, ts FROM transactions
WHERE amount > 198 AND client IN (SELECT client FROM transactions GROUP BY client HAVING COUNT(*) > 1000);
