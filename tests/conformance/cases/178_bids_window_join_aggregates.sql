-- a window join of two HOP window aggregations on their renamed bounds with a residual condition,
-- into an append-only filesystem sink
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3), apple_bids BIGINT, google_bids BIGINT, best BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT a.auction, a.starttime, a.endtime, a.n, g.n, GREATEST(a.best, g.best)
FROM (
  SELECT auction, window_start AS starttime, window_end AS endtime, COUNT(*) AS n, MAX(price) AS best
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND, INTERVAL '15' SECOND))
  WHERE channel = 'apple' GROUP BY auction, window_start, window_end
) a
JOIN (
  SELECT auction, window_start AS starttime, window_end AS endtime, COUNT(*) AS n, MAX(price) AS best
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND, INTERVAL '15' SECOND))
  WHERE channel = 'google' GROUP BY auction, window_start, window_end
) g
ON a.auction = g.auction AND a.starttime = g.starttime AND a.endtime = g.endtime AND a.n > g.n;
