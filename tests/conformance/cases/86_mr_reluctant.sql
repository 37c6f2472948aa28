-- reluctant B+? before C where rows with A+3 < price < A+8 satisfy both B and C: PATTERN (A B+? C); C takes the first such row
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');

CREATE TABLE out_t (symbol STRING, a_seq INT, a_price INT, b_prices STRING, c_seq INT, c_price INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.seq AS a_seq,
      A.price AS a_price,
      LISTAGG(CAST(B.price AS STRING)) AS b_prices,
      C.seq AS c_seq,
      C.price AS c_price
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B+? C)
    DEFINE
      B AS B.price > A.price AND B.price < A.price + 8,
      C AS C.price > A.price + 3
  ) AS T;
