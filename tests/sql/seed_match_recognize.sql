-- The seed's trend query (pizza toppings whose 5-second counts rise, then fall twice).
-- Sluice follows the SQL standard: LAST(B.nr_orders, 1) IS NULL is TRUE on B's first row.
-- Flink 2.3 gives no rows for this query: Calcite types LAST(B.nr_orders, 1) as NOT NULL
-- (nr_orders is a NOT NULL count) and folds the IS NULL to FALSE (case 76).
CREATE TABLE pizza_windows (window_time TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3), topping VARCHAR, nr_orders BIGINT NOT NULL,
  WATERMARK FOR window_time AS window_time - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/pizza_windows.json', 'format' = 'json');
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
