-- PATTERN (A B{1,3}? C) with AFTER MATCH SKIP TO NEXT ROW: overlapping matches, reluctant B stops at the first row that satisfies C (C rows also satisfy B); out-of-order input rows
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');

CREATE TABLE out_t (symbol STRING, a_seq INT, a_price INT, n_b BIGINT, b_prices STRING, c_price INT, c_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.seq AS a_seq,
      A.price AS a_price,
      COUNT(B.price) AS n_b,
      LISTAGG(CAST(B.price AS STRING)) AS b_prices,
      C.price AS c_price,
      C.rt AS c_time
    ONE ROW PER MATCH
    AFTER MATCH SKIP TO NEXT ROW
    PATTERN (A B{1,3}? C)
    DEFINE
      B AS B.price > A.price,
      C AS C.price > A.price + 4
  ) AS T;
