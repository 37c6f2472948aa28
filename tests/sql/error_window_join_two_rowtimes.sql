CREATE TABLE orders (id INT, shop STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE out_t (l INT, r INT, lt TIMESTAMP(3), rt TIMESTAMP(3))
WITH ('connector' = 'blackhole');
-- A window join keeps both inputs' window_time as rowtime attributes, as in Flink.
INSERT INTO out_t SELECT o.id, p.id, o.window_time, p.window_time
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) o
JOIN TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) p
ON o.shop = p.shop AND o.window_start = p.window_start AND o.window_end = p.window_end;
