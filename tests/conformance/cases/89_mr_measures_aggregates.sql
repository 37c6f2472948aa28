-- MEASURES: COUNT(*) over the whole match, COUNT/SUM/AVG/MIN/MAX over one variable, an unprefixed column, MATCH_ROWTIME()
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');

CREATE TABLE out_t (symbol STRING, start_time TIMESTAMP(3), n_all BIGINT, n_b BIGINT, b_sum INT, b_avg INT, b_min INT, b_max INT, last_price INT, mrt TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.rt AS start_time,
      COUNT(*) AS n_all,
      COUNT(B.price) AS n_b,
      SUM(B.price) AS b_sum,
      AVG(B.price) AS b_avg,
      MIN(B.price) AS b_min,
      MAX(B.price) AS b_max,
      price AS last_price,
      MATCH_ROWTIME() AS mrt
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B+ C)
    DEFINE
      B AS B.price >= A.price,
      C AS C.price < A.price
  ) AS T;
