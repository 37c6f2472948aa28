CREATE TABLE orders (id INT, shop STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE), SUM(shop)
FROM orders GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE);
