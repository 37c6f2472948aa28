-- the first transaction of each client in each minute (window deduplication on the rowtime)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE transactions (
  client INT, amount INT, ts STRING,
  row_time AS TO_TIMESTAMP(ts),
  WATERMARK FOR row_time AS row_time - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/transactions.json', 'format' = 'json');
CREATE TABLE out_t (client INT, amount INT, row_time TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT client, amount, row_time, window_start, window_end FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, client ORDER BY row_time ASC) AS rn
  FROM TABLE(TUMBLE(TABLE transactions, DESCRIPTOR(row_time), INTERVAL '1' MINUTE))
) WHERE rn = 1;
