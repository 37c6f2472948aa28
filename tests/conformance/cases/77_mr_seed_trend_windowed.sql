-- seed trend DEFINE (LAST(B.nr_orders, 1) IS NULL) over a TUMBLE count, whose COUNT(*) is NOT NULL: Flink's planner folds the IS NULL test
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE orders (
  order_id INT, item STRING, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_orders.json', 'format' = 'json');
CREATE TABLE pizza_trends (topping STRING, start_window_time TIMESTAMP(3), end_window_time TIMESTAMP(3), rising_counts STRING, peak BIGINT, nr_rising BIGINT)
WITH ('connector' = 'print');
INSERT INTO pizza_trends
WITH pizza_windows AS (
  SELECT window_time, window_start, window_end, item AS topping, COUNT(*) AS nr_orders
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL '10' SECOND))
  GROUP BY window_time, item, window_start, window_end
)
SELECT *
FROM pizza_windows
    MATCH_RECOGNIZE(
        PARTITION BY topping
        ORDER BY window_time
        MEASURES
            A.window_time AS start_window_time,
            LAST(C.window_time) AS end_window_time,
            LISTAGG(CAST(B.nr_orders AS STRING)) AS rising_counts,
            MAX(B.nr_orders) AS peak,
            COUNT(B.nr_orders) AS nr_rising
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A B+ C{2})
        DEFINE
            B AS (LAST(B.nr_orders, 1) IS NULL AND B.nr_orders > A.nr_orders)
                 OR B.nr_orders > LAST(B.nr_orders, 1),
            C AS C.nr_orders < LAST(B.nr_orders)
    ) AS T;
