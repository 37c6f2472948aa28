SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE orders (id INT, shop STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT window_start, window_end, hostname, cpu, avg(usage), max(usage)
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end, hostname, cpu;
EXPLAIN SELECT window_time, shop, COUNT(*) AS n, SUM(price) AS total, COUNT(DISTINCT id) FILTER (WHERE price > 10) AS big
FROM TABLE(HOP(DATA => TABLE orders, TIMECOL => DESCRIPTOR(ts), SLIDE => INTERVAL '1' MINUTE, SIZE => INTERVAL '5' MINUTE))
WHERE shop <> 'closed'
GROUP BY window_start, window_end, window_time, shop
HAVING COUNT(*) > 2;
EXPLAIN SELECT window_start, window_end, SUM(price) / COUNT(*) AS avg_price, CAST(AVG(id) AS BIGINT), LISTAGG(shop, ';')
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))
GROUP BY window_start, window_end;
EXPLAIN SELECT shop, window_start, COUNT(*)
FROM TABLE(SESSION(TABLE orders PARTITION BY shop, DESCRIPTOR(ts), INTERVAL '30' SECOND))
GROUP BY shop, window_start, window_end;
EXPLAIN SELECT shop, TUMBLE_START(ts, INTERVAL '5' MINUTE) AS ws, TUMBLE_ROWTIME(ts, INTERVAL '5' MINUTE) AS rt, COUNT(*)
FROM orders GROUP BY TUMBLE(ts, INTERVAL '5' MINUTE), shop;
EXPLAIN SELECT window_start, window_end, shop, MAX(price)
FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND)))
GROUP BY window_start, window_end, shop;
EXPLAIN SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND));
EXPLAIN SELECT shop, COUNT(*), STDDEV(id), VARIANCE(price), COLLECT(id), FIRST_VALUE(id), LAST_VALUE(shop) FROM orders GROUP BY shop;
