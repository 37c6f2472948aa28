-- LEFT window join of two TUMBLE window TVFs on the auction and equal window bounds: rows meet only
-- within their 5 s window, and the output (with NULL padding when the window fires) is final, shown through print
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (l_auction BIGINT, l_bidder BIGINT, l_price BIGINT, r_auction BIGINT, r_bidder BIGINT, r_price BIGINT, ws TIMESTAMP(3), we TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT L.auction, L.bidder, L.price, R.auction, R.bidder, R.price,
  COALESCE(L.window_start, R.window_start), COALESCE(L.window_end, R.window_end)
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND)) WHERE channel = 'apple') L
LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND)) WHERE channel = 'google' AND price > 250) R
ON L.auction = R.auction AND L.window_start = R.window_start AND L.window_end = R.window_end;
