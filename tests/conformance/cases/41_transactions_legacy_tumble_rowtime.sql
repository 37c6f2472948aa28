-- a legacy tumble feeding a second window through TUMBLE_ROWTIME
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE transactions (
  client INT, amount INT, ts STRING,
  row_time AS TO_TIMESTAMP(ts),
  WATERMARK FOR row_time AS row_time - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/transactions.json', 'format' = 'json');
CREATE TABLE out_t (client INT, w5_start TIMESTAMP(3), total INT, peak INT, minutes BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT client, TUMBLE_START(rt, INTERVAL '5' MINUTE), SUM(total), MAX(total), COUNT(*)
FROM (
  SELECT client, TUMBLE_ROWTIME(row_time, INTERVAL '1' MINUTE) AS rt, SUM(amount) AS total
  FROM transactions
  GROUP BY client, TUMBLE(row_time, INTERVAL '1' MINUTE)
)
GROUP BY client, TUMBLE(rt, INTERVAL '5' MINUTE);
