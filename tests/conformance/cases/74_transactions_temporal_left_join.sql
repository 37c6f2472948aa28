-- event-time LEFT temporal join: transactions before a client's first tier keep NULLs; a condition on the version (residual) pads too
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE transactions (
  client INT, amount INT, ts STRING,
  row_time AS TO_TIMESTAMP(ts),
  WATERMARK FOR row_time AS row_time - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/transactions.json', 'format' = 'json');
CREATE TABLE client_tiers (
  client INT, tier STRING, discount DOUBLE, valid_from STRING,
  tier_time AS TO_TIMESTAMP(valid_from),
  WATERMARK FOR tier_time AS tier_time,
  PRIMARY KEY (client) NOT ENFORCED
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/client_tiers.json', 'format' = 'json');
CREATE TABLE out_t (client INT, amount INT, row_time TIMESTAMP(3), tier STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT t.client, t.amount, t.row_time, c.tier
FROM transactions AS t
LEFT JOIN client_tiers FOR SYSTEM_TIME AS OF t.row_time AS c ON t.client = c.client AND c.tier <> 'bronze'
WHERE t.amount >= 198 AND t.client IN (2, 3);
