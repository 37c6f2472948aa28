-- EXISTS correlated on the bounds of two window aggregations (a window semi join of aggregated
-- rows): auctions whose apple bid count in a 5 s window beats the window's best baidu price bucket
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, s TIMESTAMP(3), e TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.auction, a.s, a.e, a.n
FROM (SELECT auction, window_start AS s, window_end AS e, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND)) WHERE channel = 'apple'
      GROUP BY auction, window_start, window_end) a
WHERE EXISTS (
  SELECT 1 FROM (SELECT window_start AS s, window_end AS e, MAX(price) / 100 AS bucket
                 FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND)) WHERE channel = 'baidu'
                 GROUP BY window_start, window_end) b
  WHERE b.s = a.s AND b.e = a.e AND a.n > b.bucket - 3);
