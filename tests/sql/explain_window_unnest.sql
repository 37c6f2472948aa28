-- A window aggregate sees through UNNEST: the window columns pass through the correlate.
CREATE TABLE orders (id INT, toppings ARRAY<STRING>, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT window_start, window_end, t.topping, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '30' SECONDS))
  CROSS JOIN UNNEST(toppings) AS t(topping)
GROUP BY window_start, window_end, t.topping;
