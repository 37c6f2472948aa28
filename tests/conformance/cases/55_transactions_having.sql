-- HAVING on a non-windowed aggregate: clients whose average transaction is above 100 and total above 120000
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE transactions (
  client INT, amount INT, ts STRING,
  row_time AS TO_TIMESTAMP(ts),
  WATERMARK FOR row_time AS row_time - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/transactions.json', 'format' = 'json');
CREATE TABLE out_t (client INT, total_amount INT, avg_amount INT, num_tx BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT client, SUM(amount), AVG(amount), COUNT(*)
FROM transactions
GROUP BY client
HAVING AVG(amount) > 100 AND SUM(amount) > 120000;
