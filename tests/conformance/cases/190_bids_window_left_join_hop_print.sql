-- a LEFT window join of HOP window TVFs (rows of every window they belong to) with a residual
-- condition: a left row without a match is padded once per window when the window fires
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, l_price BIGINT, r_price BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT L.auction, L.price, R.price, L.window_start, L.window_end
FROM (SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '4' SECOND)) WHERE channel = 'apple' AND price > 450) L
LEFT JOIN (SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '4' SECOND)) WHERE channel = 'google') R
ON L.auction = R.auction AND L.window_start = R.window_start AND L.window_end = R.window_end AND R.price > L.price - 100;
