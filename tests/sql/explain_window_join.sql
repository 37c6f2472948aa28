CREATE TABLE orders (id INT, shop STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE refunds (id INT, shop STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT o.id, r.id, o.window_start, o.window_end
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) o
FULL JOIN TABLE(TUMBLE(TABLE refunds, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) r
ON o.shop = r.shop AND o.window_start = r.window_start AND o.window_end = r.window_end AND r.amount < o.price;
EXPLAIN SELECT a.shop, a.n
FROM (SELECT shop, COUNT(*) AS n, window_start AS s, window_end AS e
      FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
      GROUP BY shop, window_start, window_end) a
JOIN (SELECT MAX(n) AS m, s, e
      FROM (SELECT shop, COUNT(*) AS n, window_start AS s, window_end AS e
            FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
            GROUP BY shop, window_start, window_end)
      GROUP BY s, e) b
ON a.s = b.s AND a.e = b.e AND a.n >= b.m;
EXPLAIN SELECT id, shop FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) o
WHERE NOT EXISTS (SELECT * FROM TABLE(TUMBLE(TABLE refunds, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) r
                  WHERE r.id = o.id AND r.window_start = o.window_start AND r.window_end = o.window_end);
-- Only the end equal: a regular join, as in Flink.
EXPLAIN SELECT o.id, r.id
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) o
JOIN TABLE(TUMBLE(TABLE refunds, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) r
ON o.shop = r.shop AND o.window_end = r.window_end;
