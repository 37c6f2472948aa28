-- quantifiers {n} and {n,}: PATTERN (A B{2} C{2,} D)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');

CREATE TABLE out_t (symbol STRING, a_price INT, b_prices STRING, c_prices STRING, d_price INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.price AS a_price,
      LISTAGG(CAST(B.price AS STRING)) AS b_prices,
      LISTAGG(CAST(C.price AS STRING)) AS c_prices,
      D.price AS d_price
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B{2} C{2,} D)
    DEFINE
      B AS B.price > A.price,
      C AS C.price <= LAST(B.price),
      D AS D.price > LAST(B.price)
  ) AS T;
