-- MATCH_RECOGNIZE over TUMBLE counts ordered by window_time: a rise (B+) then a fall (C+?) ended by a non-falling window (D); LISTAGG, COUNT, MAX, FIRST, LAST with and without offset; LAST(B.cnt, 1) over a single B prints -1 on Flink (cnt is NOT NULL, so the missing row is not NULL)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE orders (
  order_id INT, item STRING, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_orders.json', 'format' = 'json');
CREATE TABLE trends (item STRING, start_wt TIMESTAMP(3), end_wt TIMESTAMP(3), base_cnt BIGINT, rising STRING, falling STRING,
  n_up BIGINT, peak BIGINT, first_up BIGINT, before_peak BIGINT, bottom BIGINT, next_cnt BIGINT) WITH ('connector' = 'print');
INSERT INTO trends
WITH counts AS (
  SELECT item, window_start, window_end, window_time, COUNT(*) AS cnt
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL '10' SECOND))
  GROUP BY item, window_start, window_end, window_time
)
SELECT *
FROM counts
  MATCH_RECOGNIZE (
    PARTITION BY item
    ORDER BY window_time
    MEASURES
      FIRST(A.window_time) AS start_wt,
      LAST(C.window_time) AS end_wt,
      A.cnt AS base_cnt,
      LISTAGG(CAST(B.cnt AS STRING)) AS rising,
      LISTAGG(CAST(C.cnt AS STRING), '|') AS falling,
      COUNT(B.cnt) AS n_up,
      MAX(B.cnt) AS peak,
      FIRST(B.cnt) AS first_up,
      LAST(B.cnt, 1) AS before_peak,
      LAST(C.cnt) AS bottom,
      D.cnt AS next_cnt
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B+ C+? D)
    DEFINE
      B AS B.cnt > A.cnt AND (COUNT(B.cnt) = 1 OR B.cnt > LAST(B.cnt, 1)),
      C AS C.cnt < LAST(B.cnt) AND (COUNT(C.cnt) = 1 OR C.cnt < LAST(C.cnt, 1)),
      D AS D.cnt >= LAST(C.cnt)
  ) AS T;
