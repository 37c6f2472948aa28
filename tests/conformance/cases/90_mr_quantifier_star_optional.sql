-- quantifiers ? and *: PATTERN (A B? C* D), an optional dip row then zero or more flat rows before a rise
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');

CREATE TABLE out_t (symbol STRING, a_seq INT, b_price INT, n_c BIGINT, d_seq INT, d_price INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.seq AS a_seq,
      B.price AS b_price,
      COUNT(C.price) AS n_c,
      D.seq AS d_seq,
      D.price AS d_price
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B? C* D)
    DEFINE
      B AS B.price < A.price,
      C AS C.price BETWEEN A.price AND A.price + 4,
      D AS D.price >= A.price + 5
  ) AS T;
