-- CUBE over an updating aggregate: per-client counts move between buckets as rows arrive, so the Expand carries retractions into every grouping set; an expression key (n / 400) named in GROUPING_ID
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE transactions (
  client INT, amount INT, ts STRING,
  row_time AS TO_TIMESTAMP(ts),
  WATERMARK FOR row_time AS row_time - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/transactions.json', 'format' = 'json');
CREATE TABLE out_t (big BOOLEAN, bucket BIGINT, groups_n BIGINT, tx BIGINT, top_client INT, gid BIGINT, g_big BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT big, n / 400, COUNT(*), SUM(n), MAX(client), GROUPING_ID(big, n / 400), GROUPING(big)
FROM (
  SELECT client, amount > 150 AS big, COUNT(*) AS n
  FROM transactions
  GROUP BY client, amount > 150
)
GROUP BY CUBE (big, n / 400);
