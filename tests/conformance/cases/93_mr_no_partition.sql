-- no PARTITION BY: one sequence over all rows in time order; a trade followed by a dearer trade of the same symbol on the other exchange
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE trades (
  exchange STRING, symbol STRING, price INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_trades.json', 'format' = 'json');

CREATE TABLE out_t (a_exchange STRING, a_symbol STRING, a_price INT, n_between BIGINT, b_exchange STRING, b_price INT, b_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM trades
  MATCH_RECOGNIZE (
    ORDER BY rt
    MEASURES
      A.exchange AS a_exchange,
      A.symbol AS a_symbol,
      A.price AS a_price,
      COUNT(X.price) AS n_between,
      B.exchange AS b_exchange,
      B.price AS b_price,
      B.rt AS b_time
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A X*? B)
    DEFINE
      A AS A.symbol = 'ACME',
      B AS B.symbol = A.symbol AND B.exchange <> A.exchange AND B.price >= A.price + 3
  ) AS T;
