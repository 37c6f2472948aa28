-- a window anti join from NOT IN, restricted to the same window, with SQL's NULL rules (some
-- auctions are NULL)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, bidder BIGINT, price BIGINT, window_start TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT auction, bidder, price, window_start
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND)) WHERE channel = 'facebook') L
WHERE L.auction NOT IN (
  SELECT R.auction FROM (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND)) WHERE channel = 'baidu') R
  WHERE L.window_start = R.window_start AND L.window_end = R.window_end);
