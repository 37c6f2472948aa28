-- As in Flink, a pattern may not end with a greedy quantifier.
CREATE TABLE ticks (symbol STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY ts
    MEASURES FIRST(B.price) AS first_up
    PATTERN (A B+)
    DEFINE B AS B.price > A.price
  );
