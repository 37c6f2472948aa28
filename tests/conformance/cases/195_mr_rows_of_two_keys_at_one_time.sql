-- the trend pattern of case 76 over window rows where each window's banana row (flat counts) comes before its
-- pineapple row (rising and falling) at the same window_time, with a zero-delay watermark: Flink finds no trend
-- here, though it finds two when the pineapple rows come first or alone, so row order within one rowtime counts
CREATE TABLE pizza_windows (window_time TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3), topping VARCHAR, nr_orders BIGINT,
  WATERMARK FOR window_time AS window_time)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_same_time_windows.json', 'format' = 'json');
CREATE TABLE pizza_trends (topping STRING, start_window_time TIMESTAMP(3), end_window_time TIMESTAMP(3), rising_counts STRING)
WITH ('connector' = 'print');
INSERT INTO pizza_trends
SELECT *
FROM pizza_windows
    MATCH_RECOGNIZE(
        PARTITION BY topping
        ORDER BY window_time
        MEASURES
            A.window_time AS start_window_time,
            LAST(C.window_time) AS end_window_time,
            LISTAGG(CAST(B.nr_orders AS STRING)) AS rising_counts
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A B+ C{2})
        DEFINE
            B AS (LAST(B.nr_orders, 1) IS NULL AND B.nr_orders > A.nr_orders) OR B.nr_orders > LAST(B.nr_orders, 1),
            C AS C.nr_orders < LAST(B.nr_orders)
    ) AS T;

