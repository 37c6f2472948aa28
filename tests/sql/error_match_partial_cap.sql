-- A pattern that never completes keeps a partial match per row; the cap stops the job with a clear error.
SET 'sluice.match-recognize.max-partial-matches' = '3';
CREATE TABLE pizza_windows (window_time TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3), topping VARCHAR, nr_orders BIGINT NOT NULL,
  WATERMARK FOR window_time AS window_time - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/pizza_windows.json', 'format' = 'json');
SELECT *
FROM pizza_windows
  MATCH_RECOGNIZE (
    PARTITION BY topping
    ORDER BY window_time
    MEASURES FIRST(A.window_time) AS first_window
    PATTERN (A B+? C)
    DEFINE C AS C.nr_orders < 0
  );
