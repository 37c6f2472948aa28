CREATE TABLE ticks (symbol STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY ts
    MEASURES
      FIRST(A.ts) AS start_ts,
      LAST(B.price) AS top,
      AVG(B.price) AS avg_up,
      MATCH_ROWTIME() AS match_time
    AFTER MATCH SKIP TO LAST B
    PATTERN (A B{2,}? C)
    WITHIN INTERVAL '1' MINUTE
    DEFINE
      B AS B.price > LAST(B.price, 1) OR B.price > A.price,
      C AS C.price < LAST(B.price)
  );
