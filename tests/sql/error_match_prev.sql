-- PREV is a physical offset, which Flink refuses; LAST(B.price, 1) is the way.
CREATE TABLE ticks (symbol STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY ts
    MEASURES LAST(B.price) AS top
    PATTERN (A B+? C)
    DEFINE
      B AS B.price > PREV(B.price),
      C AS C.price < LAST(B.price)
  );
