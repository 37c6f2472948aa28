-- MATCH_RECOGNIZE must be ordered by a time attribute first.
CREATE TABLE ticks (symbol STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY price
    MEASURES A.price AS p
    PATTERN (A B)
    DEFINE B AS B.price > A.price
  );
