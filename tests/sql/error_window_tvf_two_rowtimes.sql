CREATE TABLE orders (id INT, shop STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE out_t (id INT, shop STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), ws TIMESTAMP(3), we TIMESTAMP(3), wt TIMESTAMP(3))
WITH ('connector' = 'blackhole');
-- A window TVF keeps its time column as a rowtime attribute beside window_time, as in Flink.
INSERT INTO out_t SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE));
