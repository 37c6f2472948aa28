-- PARTITION BY two columns (exchange, symbol): a V shape (drop, then back above the start) per exchange and symbol
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE trades (
  exchange STRING, symbol STRING, price INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_trades.json', 'format' = 'json');

CREATE TABLE out_t (exchange STRING, symbol STRING, start_price INT, bottom INT, end_price INT, end_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM trades
  MATCH_RECOGNIZE (
    PARTITION BY exchange, symbol
    ORDER BY rt
    MEASURES
      A.price AS start_price,
      MIN(B.price) AS bottom,
      C.price AS end_price,
      C.rt AS end_time
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B+? C)
    DEFINE
      B AS B.price < A.price,
      C AS C.price > A.price
  ) AS T;
