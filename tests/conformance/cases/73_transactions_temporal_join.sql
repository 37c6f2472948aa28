-- event-time temporal join: each large transaction with the client's tier valid at the transaction's time (versioned table: primary key and watermark)
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
CREATE TABLE out_t (client INT, amount INT, row_time TIMESTAMP(3), tier STRING, paid DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT t.client, t.amount, t.row_time, c.tier, t.amount * (1 - c.discount)
FROM transactions AS t
JOIN client_tiers FOR SYSTEM_TIME AS OF t.row_time AS c ON t.client = c.client
WHERE t.amount >= 195;
