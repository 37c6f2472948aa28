-- MATCH_RECOGNIZE ordered by processing time: rows run through the pattern as they
-- arrive (the file's order), none is late.
CREATE TABLE pizza_windows (window_time TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3), topping VARCHAR, nr_orders BIGINT NOT NULL,
  pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/pizza_windows.json', 'format' = 'json');
SELECT *
FROM pizza_windows
  MATCH_RECOGNIZE (
    PARTITION BY topping
    ORDER BY pt
    MEASURES
      FIRST(A.window_time) AS start_window,
      LISTAGG(CAST(UP.nr_orders AS STRING)) AS rising,
      LAST(DOWN.nr_orders) AS dropped_to
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A UP+ DOWN)
    DEFINE
      UP AS UP.nr_orders > LAST(UP.nr_orders, 1) OR (LAST(UP.nr_orders, 1) IS NULL AND UP.nr_orders > A.nr_orders),
      DOWN AS DOWN.nr_orders < LAST(UP.nr_orders)
  );
