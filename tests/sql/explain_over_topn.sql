SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE orders (id INT, shop STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT hostname, time_ltz, usage, baseline, n FROM (
  SELECT hostname, time_ltz, usage, AVG(usage) OVER w AS baseline, COUNT(*) OVER w AS n
  FROM iot_in
  WINDOW w AS (PARTITION BY hostname ORDER BY time_ltz RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW)
) WHERE usage > baseline * 1.3;
EXPLAIN SELECT * FROM (
  SELECT hostname, cpu, usage,
    MAX(usage) OVER (PARTITION BY hostname, cpu ORDER BY time_ltz ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS max5,
    SUM(usage) OVER (PARTITION BY hostname, cpu ORDER BY time_ltz ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS sum5
  FROM iot_in
) WHERE usage > 99;
EXPLAIN SELECT id, SUM(price) OVER (ORDER BY ts) FROM orders;
EXPLAIN SELECT window_start, window_end, shop, total, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY total DESC, shop) AS rn
  FROM (
    SELECT window_start, window_end, shop, SUM(price) AS total
    FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '30' SECONDS))
    GROUP BY window_start, window_end, shop
  )
) WHERE rn <= 3;
EXPLAIN SELECT id, shop, ts, window_start FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, shop ORDER BY ts ASC) AS rn
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
) WHERE rn = 1 AND id > 0;
