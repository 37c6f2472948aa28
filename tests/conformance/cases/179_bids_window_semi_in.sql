-- a window semi join: IN over a subquery correlated on the same window (apple bids on an auction
-- that also got a google bid in the same 10 s window)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, bidder BIGINT, price BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT auction, bidder, price, window_start, window_end
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND)) WHERE channel = 'apple') L
WHERE L.auction IN (
  SELECT R.auction FROM (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND)) WHERE channel = 'google') R
  WHERE L.window_start = R.window_start AND L.window_end = R.window_end);
