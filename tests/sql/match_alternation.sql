-- Sluice runs two row-pattern forms that Flink refuses ("CEP doesn't support branching
-- patterns" and, for {,m}, "The from should be a positive number greater than 0"):
-- alternation, and an upper bound alone. A rise, then either a small or a big drop,
-- then at most two more windows below the peak.
CREATE TABLE pizza_windows (window_time TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3), topping VARCHAR, nr_orders BIGINT NOT NULL,
  WATERMARK FOR window_time AS window_time - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/pizza_windows.json', 'format' = 'json');
SELECT *
FROM pizza_windows
  MATCH_RECOGNIZE (
    PARTITION BY topping
    ORDER BY window_time
    MEASURES
      FIRST(A.window_time) AS start_window,
      LAST(UP.nr_orders) AS peak,
      LAST(SMALL.nr_orders) AS small_drop,
      LAST(BIG.nr_orders) AS big_drop,
      COUNT(LOW.nr_orders) AS low_after,
      LAST(E.nr_orders) AS ended_at
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A UP (SMALL | BIG) LOW{,2}? E)
    DEFINE
      UP AS UP.nr_orders > A.nr_orders,
      SMALL AS SMALL.nr_orders < UP.nr_orders AND SMALL.nr_orders >= UP.nr_orders - 3,
      BIG AS BIG.nr_orders < UP.nr_orders - 3,
      LOW AS LOW.nr_orders < UP.nr_orders,
      E AS E.nr_orders >= UP.nr_orders - 5
  );
