-- DEFINE with aggregates over rows matched so far (AVG, SUM, COUNT) and FIRST/LAST with offsets
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');

CREATE TABLE out_t (symbol STRING, a_price INT, b_prices STRING, b_avg INT, b_sum INT, c_price INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.price AS a_price,
      LISTAGG(CAST(B.price AS STRING)) AS b_prices,
      AVG(B.price) AS b_avg,
      SUM(B.price) AS b_sum,
      C.price AS c_price
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B+ C)
    DEFINE
      B AS AVG(B.price) <= A.price + 3 AND COUNT(B.price) <= 4,
      C AS C.price > FIRST(B.price) AND SUM(B.price) > 2 * A.price AND C.price <> LAST(B.price, 1)
  ) AS T;
